// Every way a build context reaches the frontend besides a local directory, each compared
// with the local build of the same files: same layer (diff ID) with SOURCE_DATE_EPOCH set.
import { spawnSync } from "node:child_process";
import type Docker from "dockerode";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import {
  buildx,
  buildxAsync,
  context,
  DOCKER,
  docker,
  HELLO_C,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";
import { gitDaemon, httpServer, type Running } from "./local-servers.js";

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
    // .dockerignore applied, and no .git unless asked for (keep-git-dir is off by default).
    "  run: test ! -e ignored.txt && test ! -e .git && musl-gcc -static -Os -s -o /out/hello hello.c",
    "artifacts: [hello]",
  ),
  "hello.c": HELLO_C,
  ".dockerignore": "ignored.txt\n",
  "ignored.txt": "must not reach the build\n",
};

/** A manifest that needs no other file: what a plain manifest URL serves. */
const PLAIN = manifest(
  "name: hello",
  "build:",
  `  image: ${TOOLCHAIN}`,
  "  package-manager: none",
  "  run: |",
  `    printf '%s\\n' '#include <stdio.h>' 'int main() { puts("hello"); }' > hello.c`,
  "    musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
);

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

  describe("git (a git daemon on 127.0.0.1 serving a repository made here)", () => {
    let daemon: Running | undefined;
    let base = "";
    beforeAll(async () => {
      const sub = Object.fromEntries(Object.entries(FILES).map(([name, text]) => [`sub/${name}`, text]));
      daemon = await gitDaemon({ ...FILES, ...sub }, EPOCH);
      base = daemon.url;
    });
    afterAll(() => {
      daemon?.stop();
    });

    for (const [what, suffix] of [
      ["the default branch", ""],
      ["#ref:subdir", "#v1:sub"],
    ] as const) {
      it(`builds ${what} with the same layer as the local build`, async () => {
        const t = tag(`git${suffix ? "-sub" : ""}`);
        const r = await buildxAsync(
          [
            "-f",
            "scratchkit.yaml",
            "--build-arg",
            `SOURCE_DATE_EPOCH=${EPOCH}`,
            "-t",
            t,
            "--load",
            `${base}${suffix}`,
          ],
          dir,
        );
        expect(r.code, r.output).toBe(0);
        expect(r.output).toContain("[internal] load git source");
        expect(runs(t)).toBe("hello");
        expect(diffIds(t)).toEqual(localLayers);
      });
    }

    it("keeps .git when BUILDKIT_CONTEXT_KEEP_GIT_DIR=1 (the manifest's guard then fails)", async () => {
      const r = await buildxAsync(
        ["-f", "scratchkit.yaml", "--build-arg", "BUILDKIT_CONTEXT_KEEP_GIT_DIR=1", base],
        dir,
      );
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("test ! -e .git");
    });
  });

  describe("HTTP (Node's server on 127.0.0.1): tarballs in each compression and a plain manifest", () => {
    let server: Running | undefined;
    let url = "";
    const plainDir = context({ "scratchkit.yaml": PLAIN });
    let plainLayers: string[] = [];
    beforeAll(async () => {
      const served = new Map<string, Buffer>([
        ["/ctx.tar.gz", tarball(dir, "gzip")],
        ["/ctx.tar.bz2", tarball(dir, "bzip2")],
        ["/ctx.tar.xz", tarball(dir, "xz")],
        ["/ctx.tar", tarball(dir, "none")],
        ["/scratchkit.yaml", Buffer.from(PLAIN)],
      ]);
      server = await httpServer(served);
      url = server.url;
      const t = tag("plain-local");
      const r = await buildxAsync(
        ["-f", "scratchkit.yaml", "--build-arg", `SOURCE_DATE_EPOCH=${EPOCH}`, "-t", t, "--load", "."],
        plainDir,
      );
      expect(r.code, r.output).toBe(0);
      plainLayers = diffIds(t);
    });
    afterAll(() => {
      server?.stop();
    });

    for (const file of ["ctx.tar.gz", "ctx.tar.bz2", "ctx.tar.xz", "ctx.tar"]) {
      it(`builds ${file} with the same layer as the local build`, async () => {
        const t = tag(`http-${file.replaceAll(".", "-")}`);
        const r = await buildxAsync(
          [
            "-f",
            "scratchkit.yaml",
            "--build-arg",
            `SOURCE_DATE_EPOCH=${EPOCH}`,
            "-t",
            t,
            "--load",
            `${url}/${file}`,
          ],
          dir,
        );
        expect(r.code, r.output).toBe(0);
        expect(r.output).toContain("[internal] load remote build context");
        expect(runs(t)).toBe("hello");
        expect(diffIds(t)).toEqual(localLayers);
      });
    }

    it("builds a plain manifest URL: the download is the manifest", async () => {
      const t = tag("http-plain");
      const r = await buildxAsync(
        [
          "-f",
          "scratchkit.yaml",
          "--build-arg",
          `SOURCE_DATE_EPOCH=${EPOCH}`,
          "-t",
          t,
          "--load",
          `${url}/scratchkit.yaml`,
        ],
        plainDir,
      );
      expect(r.code, r.output).toBe(0);
      expect(runs(t)).toBe("hello");
      expect(diffIds(t)).toEqual(plainLayers);
    });
  });
});
