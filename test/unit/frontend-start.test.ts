// The frontend image's entry point (scripts/frontend-start.cjs): `--make-code-cache` runs one
// build in process (src/frontend/warm-up.ts) before writing V8's code cache, so the cache holds
// what a build compiles; the cache it writes is accepted by the same Node.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "frontend-start-"));

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/bundle.mjs", "--only", "frontend", "--outdir", dir]);
  copyFileSync("scripts/frontend-start.cjs", join(dir, "frontend-start.cjs"));
}, 60_000);

describe("frontend-start.cjs --make-code-cache", () => {
  it("runs a build through the gate in process, writes nothing to stdout, and leaves a cache Node accepts", () => {
    const made = spawnSync(process.execPath, [join(dir, "frontend-start.cjs"), "--make-code-cache"], {
      encoding: "utf8",
      env: { ...process.env, SCRATCHKIT_LOG_LEVEL: "info" },
    });
    expect(made.status).toBe(0);
    expect(made.stdout).toBe("");
    // The warm-up's artifact is Node itself: the gate read it and gave its verdict.
    const verified = made.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg?: string; artifact?: string; verdict?: string })
      .find((l) => l.msg === "verified");
    expect(verified).toMatchObject({ artifact: "app", verdict: "dynamic" });
    const cache = join(dir, "frontend.cjs.cache");
    expect(existsSync(cache)).toBe(true);
    const check = [
      'const fs = require("node:fs"), vm = require("node:vm"), Module = require("node:module");',
      `const file = ${JSON.stringify(join(dir, "frontend.cjs"))};`,
      "const s = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: fs.readFileSync(file + '.cache') });",
      "process.stdout.write(String(s.cachedDataRejected));",
    ].join("\n");
    expect(execFileSync(process.execPath, ["-e", check], { encoding: "utf8" })).toBe("false");
  });
});
