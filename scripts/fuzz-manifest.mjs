// npm run fuzz:manifest [-- --count N --seed S --verbose]
// Bundles the manifest fuzzer (test/fuzz/manifest-cli.ts, TypeScript) with esbuild and runs it:
// random and mutated manifests through parse → plan → LLB → image config → lint.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const tmp = mkdtempSync(join(tmpdir(), "scratchkit-fuzz-manifest-"));
const out = join(tmp, "fuzz-manifest.mjs");
await build({
  entryPoints: ["test/fuzz/manifest-cli.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: out,
  logLevel: "warning",
  // CommonJS dependencies (protobufjs) need require() inside an ES module bundle.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
await import(pathToFileURL(out).href);
