// The frontend image's entry point: loads /app/frontend.cjs with V8's code cache
// (frontend.cjs.cache, made when the image is built) so Node skips parsing and compiling
// the bundle on every build. Node 20 has no module.enableCompileCache; vm.Script's
// cachedData is the same mechanism. A missing or rejected cache (another Node/V8, other
// flags) only costs the compile it would have saved.
// `node frontend-start.cjs --make-code-cache` (image build): runs the bundle with
// SCRATCHKIT_WARM_UP set, so instead of opening the bridge it runs one build in process
// against canned answers (src/frontend/warm-up.ts, with Node itself as the artifact); the
// cache, written after that, then holds every function the build compiled, not only the
// top level's (nothing reaches stdout).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.join(__dirname, "frontend.cjs");
const cacheFile = `${file}.cache`;
const making = process.argv[2] === "--make-code-cache";
if (making) {
  process.argv.splice(2, 1);
  process.env.SCRATCHKIT_WARM_UP = process.execPath;
}

let cachedData;
if (!making) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache: compile as plain require would.
  }
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(path.dirname(file));
require.main = mod;
script
  .runInThisContext()
  .call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
mod.loaded = true;
if (making) {
  Promise.resolve(mod.exports.warmedUp).then(() => {
    fs.writeFileSync(cacheFile, script.createCachedData());
    process.exit(0);
  });
}
