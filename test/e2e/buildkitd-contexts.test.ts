// Remote contexts and caches on a standalone buildkitd (BuildKit v0.32, from deploy/buildkitd.sh):
// a git context with SOURCE_DATE_EPOCH checked out with the commit's time (git.mtime=commit,
// which the Docker Engine's BuildKit does not know yet), and a registry cache the Docker Engine
// exported, imported by a cold daemon that then does not run the compile again.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Buildkitd,
  buildctl,
  buildkitdMissing,
  frontendArgs,
  purgeBuildkitd,
  pushForBuildkitd,
  startBuildkitd,
} from "../../src/engine/buildkitd.js";
import { buildx, context, FRONTEND, HELLO_C, suiteProblem, TOOLCHAIN } from "./engine.js";
import { gitDaemon, type Running } from "./local-servers.js";
import { readOciLayout } from "./oci-layout.js";

/** The suite's own daemon, purged before and after: every run starts cold. */
const DAEMON = "contexts";
const EPOCH = "1700000000";
/** The commit's date: not SOURCE_DATE_EPOCH, so the test tells the two apart. */
const COMMIT_TIME = "1600000000";

function buildkitdProblem(): string | undefined {
  const problem = buildkitdMissing(DAEMON);
  if (problem && process.env.CI) throw new Error(`the buildkitd tests must run in CI, but: ${problem}`);
  if (problem) console.warn(`SKIPPING standalone buildkitd context tests: ${problem}`);
  return problem;
}

const problem = suiteProblem() ?? buildkitdProblem();

/** A hello build that records hello.c's mtime as the build saw it, and ships the record. */
const MTIME_MANIFEST = [
  `# syntax=${FRONTEND}`,
  "name: hello",
  "build:",
  `  image: ${TOOLCHAIN}`,
  "  package-manager: none",
  "  run: musl-gcc -static -Os -s -o /out/hello hello.c && stat -c %Y hello.c > /mtime.txt",
  "artifacts: [hello]",
  "data: [{from: build, src: /mtime.txt}]",
  "",
].join("\n");

describe.skipIf(problem !== undefined)("remote contexts and caches on a standalone buildkitd", () => {
  let bk: Buildkitd;
  let git: Running | undefined;
  const tmp = mkdtempSync(join(tmpdir(), "scratchkit-bk-contexts-"));

  beforeAll(async () => {
    purgeBuildkitd(DAEMON);
    bk = startBuildkitd(DAEMON);
    pushForBuildkitd([FRONTEND, TOOLCHAIN]);
    git = await gitDaemon({ "scratchkit.yaml": MTIME_MANIFEST, "hello.c": HELLO_C }, COMMIT_TIME);
  });

  afterAll(() => {
    git?.stop();
    purgeBuildkitd(DAEMON);
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Builds the git context with SOURCE_DATE_EPOCH into an OCI layout; its image ID and mtime.txt. */
  async function gitBuild(name: string): Promise<{ id: string; mtime: string }> {
    const dest = join(tmp, `${name}.tar`);
    const metadata = join(tmp, `${name}.json`);
    const r = buildctl(
      bk,
      [
        "--frontend",
        "gateway.v0",
        "--opt",
        `source=${FRONTEND}`,
        "--opt",
        `context=${git?.url}`,
        "--opt",
        "filename=scratchkit.yaml",
        "--opt",
        `build-arg:SOURCE_DATE_EPOCH=${EPOCH}`,
        "--output",
        `type=oci,dest=${dest}`,
        "--metadata-file",
        metadata,
      ],
      tmp,
    );
    expect(r.code, r.output).toBe(0);
    const [image] = await readOciLayout(dest);
    const md = JSON.parse(readFileSync(metadata, "utf8")) as Record<string, string>;
    return {
      id: md["containerimage.config.digest"] ?? "",
      mtime: image?.files.get("mtime.txt")?.toString() ?? "",
    };
  }

  it("checks a git context out with the commit's time; two cold builds at one commit give one image ID", async () => {
    const first = await gitBuild("git-1");
    expect(first.mtime.trim()).toBe(COMMIT_TIME);
    // A cold cache: the second build checks the repository out again.
    const prune = spawnSync(bk.buildctl, ["--addr", bk.addr, "prune", "--all"], { encoding: "utf8" });
    expect(prune.status, prune.stderr).toBe(0);
    const second = await gitBuild("git-2");
    expect(second.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.id).toBe(first.id);
  });

  it("a cold daemon importing the engine's registry cache (mode=max) reuses the compile step", () => {
    // The run prints a marker: it appears only where the compile really runs.
    const dir = context({
      "scratchkit.yaml": [
        `# syntax=${FRONTEND}`,
        "name: hello",
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: echo compiling-for-real && musl-gcc -static -Os -s -o /out/hello hello.c",
        "artifacts: [hello]",
        "",
      ].join("\n"),
      "hello.c": HELLO_C.replace("hello", "cold cache"),
    });
    const cache = "127.0.0.1:5000/ctx10/cache-cold";
    const exported = buildx(
      ["-f", "scratchkit.yaml", "--cache-to", `type=registry,ref=${cache},mode=max`, "."],
      dir,
    );
    expect(exported.code, exported.output).toBe(0);
    const written = [...exported.output.matchAll(/writing layer (sha256:[0-9a-f]{64})/g)].map((m) => m[1]);
    expect(written.length, exported.output).toBeGreaterThan(0);

    // The daemon was purged in beforeAll and has never built this context.
    const imported = buildctl(
      bk,
      [...frontendArgs(FRONTEND), "--import-cache", `type=registry,ref=${cache}`],
      dir,
    );
    expect(imported.code, imported.output).toBe(0);
    expect(imported.output).toContain(`importing cache manifest from ${cache}`);
    const compile = vertex(imported.output, "[build 1/1] echo compiling-for-real");
    // BuildKit shows a step loaded from an imported cache as the cached layer being extracted.
    const extracted = /extracting (sha256:[0-9a-f]{64})/.exec(compile)?.[1];
    expect(written, compile).toContain(extracted);
    expect(compile).not.toMatch(/^#\d+ [\d.]+ compiling-for-real$/m);
    expect(vertex(imported.output, "[image 1/1] copy /hello")).toContain("CACHED");

    // The same daemon with the cache ignored does run it, so the marker check can fail.
    const rebuilt = buildctl(bk, [...frontendArgs(FRONTEND), "--no-cache"], dir);
    expect(rebuilt.code, rebuilt.output).toBe(0);
    expect(vertex(rebuilt.output, "[build 1/1] echo compiling-for-real")).toMatch(
      /^#\d+ [\d.]+ compiling-for-real$/m,
    );
  });
});

/** The plain-progress lines of the vertex named `name` (all its `#N` lines). */
function vertex(output: string, name: string): string {
  const head = new RegExp(`^#(\\d+) ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m").exec(output);
  if (!head) return "";
  return output
    .split("\n")
    .filter((l) => l.startsWith(`#${head[1]} `))
    .join("\n");
}
