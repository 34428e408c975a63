// Every way a build context reaches the frontend besides a local directory, each compared
// with the local build of the same files: same layer (diff ID) with SOURCE_DATE_EPOCH set.
import { spawnSync } from "node:child_process";
import type Docker from "dockerode";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import {
  buildx,
  context,
  DOCKER,
  docker,
  HELLO_C,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const problem = suiteProblem();
const { tag, cleanup } = tagger("ctx-");
const EPOCH = "1700000000";

/** The project every form carries: a .dockerignore the build proves it applied. */
const FILES: Record<string, string> = {
  "scratchkit.yaml": manifest(
    "name: hello",
    "build:",
    `  image: ${TOOLCHAIN}`,
    "  package-manager: none",
    "  run: test ! -e ignored.txt && musl-gcc -static -Os -s -o /out/hello hello.c",
    "artifacts: [hello]",
  ),
  "hello.c": HELLO_C,
  ".dockerignore": "ignored.txt\n",
  "ignored.txt": "must not reach the build\n",
};

function diffIds(t: string): string[] {
  return JSON.parse(docker(["image", "inspect", "-f", "{{json .RootFS.Layers}}", t])) as string[];
}

function runs(t: string): string {
  return docker(["run", "--rm", t]).trim();
}

/** A gzipped tar of `files`, made by the system tar (what a user would pipe in). */
function tarball(dir: string, compress: "gzip" | "bzip2" | "xz" | "none"): Buffer {
  const flag = { gzip: "-z", bzip2: "-j", xz: "-J", none: "" }[compress];
  const r = spawnSync("tar", ["-C", dir, ...(flag ? [flag] : []), "-cf", "-", "."], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(problem !== undefined)("remote build contexts on a real engine", () => {
  const dir = context(FILES);
  const local = tag("local");
  let localLayers: string[] = [];
  afterAll(cleanup);

  beforeAll(() => {
    const r = buildx(
      ["-f", "scratchkit.yaml", "--build-arg", `SOURCE_DATE_EPOCH=${EPOCH}`, "-t", local, "--load", "."],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    localLayers = diffIds(local);
  });

  it("the Engine API upload (POST /build with a tar body, version 2) builds the same layer", async () => {
    const t = tag("api");
    const pack = tar.pack();
    for (const [name, text] of Object.entries(FILES)) pack.entry({ name }, text);
    pack.finalize();
    const api = connectDocker();
    const stream: NodeJS.ReadableStream = await api.buildImage(
      pack as unknown as NodeJS.ReadableStream,
      {
        dockerfile: "scratchkit.yaml",
        version: "2",
        t,
        buildargs: { SOURCE_DATE_EPOCH: EPOCH },
      } as Docker.ImageBuildOptions,
    );
    const events = await new Promise<Array<Record<string, unknown>>>((resolve, reject) =>
      api.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) =>
        err ? reject(err) : resolve(out),
      ),
    );
    // followProgress reports success even when the stream carries the failure.
    expect(events.filter((e) => e.error || e.errorDetail)).toEqual([]);
    expect(runs(t)).toBe("hello");
    expect(diffIds(t)).toEqual(localLayers);
  });

  it("a tar on stdin (buildx build -) builds the same layer", () => {
    const t = tag("stdin");
    const r = spawnSync(
      DOCKER,
      [
        "buildx",
        "build",
        "--progress=plain",
        "-f",
        "scratchkit.yaml",
        "--build-arg",
        `SOURCE_DATE_EPOCH=${EPOCH}`,
        "-t",
        t,
        "--load",
        "-",
      ],
      { input: tarball(dir, "gzip"), encoding: "utf8", maxBuffer: 64 << 20 },
    );
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(runs(t)).toBe("hello");
    expect(diffIds(t)).toEqual(localLayers);
  });
});
