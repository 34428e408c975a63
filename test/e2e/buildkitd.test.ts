// scratchkit on a standalone buildkitd (what buildx's remote, docker-container and kubernetes
// drivers run): the README's buildctl command, a push to the local registry, buildx's remote
// driver, and two platforms in one OCI layout. The daemon and its images come from
// deploy/buildkitd.sh; everything stays on 127.0.0.1.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Buildkitd,
  buildctl,
  buildkitdMissing,
  frontendArgs,
  pushForBuildkitd,
  registryPlatforms,
  startBuildkitd,
  stopBuildkitd,
} from "../../src/engine/buildkitd.js";
import { buildx, DOCKER, docker, FRONTEND, removeImage, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";
import { elfArchitecture, readOciLayout } from "./oci-layout.js";

/** The suite's own daemon: state under /opt/scratchkit/buildkitd/e2e. */
const DAEMON = "e2e";

/** Why the suite cannot run here; under CI it must run, so a missing daemon fails it. */
function buildkitdProblem(): string | undefined {
  const problem = buildkitdMissing(DAEMON);
  if (problem && process.env.CI) throw new Error(`the buildkitd tests must run in CI, but: ${problem}`);
  if (problem) console.warn(`SKIPPING standalone buildkitd tests: ${problem}`);
  return problem;
}

const problem = suiteProblem() ?? buildkitdProblem();

const EXAMPLE = join(import.meta.dirname, "../../examples/hello");
const { tag, cleanup } = tagger("buildkitd-");
const BUILDER = "scratchkit-e2e-buildkitd";

/** Build times, printed once at the end (figures for the report, never asserted). */
const times: string[] = [];
const timed = <T extends { ms: number }>(name: string, run: T): T => {
  times.push(`${name}: ${Math.round(run.ms)} ms`);
  return run;
};

/** Runs an image; hello needs no network (and so does not depend on the engine's bridge). */
function run(image: string, ...args: string[]): string {
  return docker(["run", "--rm", "--network=none", ...args, image]);
}

describe.skipIf(problem !== undefined)("scratchkit on a standalone buildkitd", () => {
  let bk: Buildkitd;
  const tmp = mkdtempSync(join(tmpdir(), "scratchkit-buildkitd-"));
  // buildx's builder list lives in DOCKER_CONFIG: a private one leaves the user's alone.
  const dockerConfig = join(tmp, "docker-config");
  let pushed: string;
  let toolchainRef: string;

  beforeAll(() => {
    const started = startBuildkitd(DAEMON);
    bk = started;
    times.push(
      `buildkitd start: ${started.readyMs} ms from launch to first answer, ${Math.round(started.ms)} ms for the script`,
    );
    const refs = pushForBuildkitd([FRONTEND, TOOLCHAIN]);
    expect([...refs.keys()]).toEqual([FRONTEND, TOOLCHAIN]);
    pushed = `${bk.mirror}/e2e/hello:pushed`;
    toolchainRef = refs.get(TOOLCHAIN) ?? "";
  });

  afterAll(() => {
    spawnSync(DOCKER, ["buildx", "rm", BUILDER], { env: { ...process.env, DOCKER_CONFIG: dockerConfig } });
    stopBuildkitd(DAEMON);
    cleanup();
    removeImage(pushed);
    rmSync(tmp, { recursive: true, force: true });
    console.log(`standalone buildkitd times:\n  ${times.join("\n  ")}`);
  });

  it("builds examples/hello with the README's buildctl command; the docker tarball loads and runs", () => {
    const t = tag("buildctl");
    // The README's command as written: the frontend by its docker.io name, which this
    // daemon pulls through its registry mirror.
    const r = timed(
      "buildctl --output type=docker (README)",
      buildctl(bk, [...frontendArgs(FRONTEND), "--output", `type=docker,name=${t}`], EXAMPLE),
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/\[build 1\/1\] musl-gcc -static -Os -s -o \/out\/hello hello\.c/);
    expect(r.output).toContain("load metadata for docker.io/scratchkit/toolchain:bookworm");
    const load = spawnSync(DOCKER, ["load"], { input: r.stdout, encoding: "utf8" });
    expect(load.status, load.stderr).toBe(0);
    expect(load.stdout).toContain(`Loaded image: ${t}`);
    expect(run(t)).toBe("hello\n");
  });

  it("pushes the image to the local registry (type=image,push=true); the engine pulls and runs it", () => {
    const metadata = join(tmp, "push-metadata.json");
    removeImage(pushed);
    const r = timed(
      "buildctl --output type=image,push=true",
      buildctl(
        bk,
        [
          ...frontendArgs(FRONTEND),
          "--output",
          `type=image,name=${pushed},push=true`,
          "--metadata-file",
          metadata,
        ],
        EXAMPLE,
      ),
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`pushing manifest for ${pushed}`);
    const digest = (JSON.parse(readFileSync(metadata, "utf8")) as Record<string, string>)[
      "containerimage.digest"
    ];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    docker(["pull", "--quiet", pushed]);
    expect(docker(["image", "inspect", "--format", "{{json .RepoDigests}}", pushed])).toContain(digest);
    expect(run(pushed)).toBe("hello\n");
  });

  it("builds through buildx's remote driver pointed at the daemon's socket (--output type=oci)", async () => {
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const create = spawnSync(DOCKER, ["buildx", "create", "--name", BUILDER, "--driver", "remote", bk.addr], {
      env,
      encoding: "utf8",
    });
    expect(create.status, create.stderr).toBe(0);
    const t = tag("buildx-remote");
    const dest = join(tmp, "buildx-remote.tar");
    const start = performance.now();
    const b = spawnSync(
      DOCKER,
      [
        "buildx",
        "build",
        "--builder",
        BUILDER,
        "--progress=plain",
        // The example's `# syntax=` names the :dev image; BUILDKIT_SYNTAX picks the one under test.
        "--build-arg",
        `BUILDKIT_SYNTAX=${FRONTEND}`,
        "-f",
        "scratchkit.yaml",
        "--output",
        `type=oci,dest=${dest},name=${t}`,
        ".",
      ],
      { cwd: EXAMPLE, env, encoding: "utf8", maxBuffer: 64 << 20 },
    );
    const output = stripVTControlCharacters(`${b.stdout}${b.stderr}`);
    timed("buildx --driver remote --output type=oci", { ms: performance.now() - start });
    expect(b.status, output).toBe(0);
    expect(output).toContain("[build 1/1] musl-gcc");
    const images = await readOciLayout(dest);
    expect(images.map((i) => i.platform)).toEqual(["linux/amd64"]);
    const [image] = images;
    expect(image?.config.config?.Entrypoint).toEqual(["/hello"]);
    const hello = image?.files.get("hello");
    expect(hello && elfArchitecture(hello)).toBe("amd64");
    docker(["load", "--quiet", "-i", dest]);
    expect(run(t)).toBe("hello\n");
  });

  it("gives the layer content the Docker Engine gives, for the same manifest and SOURCE_DATE_EPOCH", async () => {
    const epoch = "1700000000";
    const onDaemon = join(tmp, "epoch-buildkitd.tar");
    const onEngine = join(tmp, "epoch-engine.tar");
    const r = timed(
      "buildctl SOURCE_DATE_EPOCH --output type=oci",
      buildctl(
        bk,
        [
          ...frontendArgs(FRONTEND),
          "--opt",
          `build-arg:SOURCE_DATE_EPOCH=${epoch}`,
          "--opt",
          "force-network-mode=none",
          "--output",
          `type=oci,dest=${onDaemon}`,
        ],
        EXAMPLE,
      ),
    );
    expect(r.code, r.output).toBe(0);
    const e = timed(
      "Docker Engine, same manifest and SOURCE_DATE_EPOCH, --output type=oci",
      buildx(
        [
          "--build-arg",
          `BUILDKIT_SYNTAX=${FRONTEND}`,
          "--build-arg",
          `SOURCE_DATE_EPOCH=${epoch}`,
          "--provenance=false",
          "--network=none",
          "-f",
          "scratchkit.yaml",
          "--output",
          `type=oci,dest=${onEngine}`,
          ".",
        ],
        EXAMPLE,
      ),
    );
    expect(e.code, e.output).toBe(0);
    const [daemonImage] = await readOciLayout(onDaemon);
    const [engineImage] = await readOciLayout(onEngine);
    // Same uncompressed layers and dates; the gzip blobs (and so the manifest digests) differ
    // between BuildKit v0.32.2 and the engine's vendored BuildKit.
    expect(daemonImage?.config.rootfs?.diff_ids).toHaveLength(1);
    expect(daemonImage?.config.rootfs).toEqual(engineImage?.config.rootfs);
    expect(daemonImage?.config.created).toBe("2023-11-14T22:13:20.000Z");
    expect(engineImage?.config.created).toBe(daemonImage?.config.created);
    expect(daemonImage?.files.get("hello")).toEqual(engineImage?.files.get("hello"));
  });

  it("builds linux/amd64 and linux/arm64 in one OCI layout, each hello for its own machine", async (ctx) => {
    // Needs the toolchain as an amd64+arm64 index (issue 11's engine part); without it the
    // case cannot run here: skipped loudly, and a failure under CI.
    const toolchainPlatforms = await registryPlatforms(toolchainRef);
    if (!toolchainPlatforms.includes("linux/arm64")) {
      const why = `${TOOLCHAIN} has no linux/arm64 variant (it has: ${toolchainPlatforms.join(", ") || "one platform, no index"})`;
      if (process.env.CI) throw new Error(`two-platform buildkitd case must run in CI, but ${why}`);
      console.warn(`SKIPPING the two-platform buildkitd case: ${why}`);
      ctx.skip();
    }
    const dest = join(tmp, "two-platforms.tar");
    const r = timed(
      "buildctl --opt platform=linux/amd64,linux/arm64 --output type=oci",
      buildctl(
        bk,
        [
          ...frontendArgs(FRONTEND),
          "--opt",
          "platform=linux/amd64,linux/arm64",
          "--output",
          `type=oci,dest=${dest}`,
        ],
        EXAMPLE,
      ),
    );
    expect(r.code, r.output).toBe(0);
    const images = await readOciLayout(dest);
    expect(images.map((i) => i.platform).sort()).toEqual(["linux/amd64", "linux/arm64"]);
    for (const image of images) {
      const hello = image.files.get("hello");
      expect(hello, image.platform).toBeDefined();
      expect(hello && elfArchitecture(hello), image.platform).toBe(image.platform.split("/")[1]);
      expect(image.config.architecture).toBe(image.platform.split("/")[1]);
    }
  });
});
