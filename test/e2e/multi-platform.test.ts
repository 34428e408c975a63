// Several platforms in one build on the real engine (containerd image store + qemu binfmt):
// one image index whose variants run and carry binaries of their own architecture.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildx, context, DOCKER, HELLO_C, manifest, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/hello");
const PLATFORMS = "linux/amd64,linux/arm64";
/** ELF e_machine (little-endian u16 at offset 18) of each platform's architecture. */
const MACHINE: Record<string, number> = { amd64: 62, arm64: 183 };

/** Why two-platform builds cannot run here (no qemu handler, no arm64 toolchain), or undefined. */
function multiPlatformProblem(): string | undefined {
  const engine = suiteProblem();
  if (engine) return engine;
  let problem: string | undefined;
  if (!existsSync("/proc/sys/fs/binfmt_misc/qemu-aarch64"))
    problem = "no qemu-aarch64 binfmt handler (deploy/binfmt.sh, run by npm run engine, registers it)";
  else if (arch(TOOLCHAIN, "linux/arm64") !== "arm64")
    problem = `${TOOLCHAIN} has no linux/arm64 variant (deploy/images.sh builds it)`;
  if (problem && process.env.CI) throw new Error(`multi-platform tests must run in CI, but: ${problem}`);
  if (problem) console.warn(`SKIPPING multi-platform tests: ${problem}`);
  return problem;
}

function arch(image: string, platform: string): string | undefined {
  const r = spawnSync(
    DOCKER,
    ["image", "inspect", "--platform", platform, "-f", "{{.Architecture}}", image],
    {
      encoding: "utf8",
    },
  );
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const problem = multiPlatformProblem();
const { tag, cleanup } = tagger("multi-");

/** e_machine of the file at `path` in the image's variant for `platform`, read with docker cp. */
function machineIn(image: string, platform: string, path: string): number {
  const id = execFileSync(DOCKER, ["create", "--platform", platform, image], { encoding: "utf8" }).trim();
  try {
    const dir = mkdtempSync(join(tmpdir(), "scratchkit-e2e-cp-"));
    execFileSync(DOCKER, ["cp", `${id}:${path}`, dir]);
    return readFileSync(join(dir, path.split("/").at(-1) as string)).readUInt16LE(18);
  } finally {
    spawnSync(DOCKER, ["rm", id]);
  }
}

function run(image: string, platform: string) {
  return spawnSync(DOCKER, ["run", "--rm", "--platform", platform, image], { encoding: "utf8" });
}

describe.skipIf(problem !== undefined)("several platforms in one build", () => {
  afterAll(cleanup);

  describe("the hello example for linux/amd64 and linux/arm64", () => {
    const t = tag("hello");
    let built: ReturnType<typeof buildx>;
    beforeAll(() => {
      built = buildx(["--platform", PLATFORMS, "-f", "scratchkit.yaml", "-t", t, "--load", "."], EXAMPLE);
    });

    it("gives one image with a variant per platform", () => {
      expect(built.code, built.output).toBe(0);
      expect(arch(t, "linux/amd64")).toBe("amd64");
      expect(arch(t, "linux/arm64")).toBe("arm64");
    });

    it.each(["linux/amd64", "linux/arm64"])(
      "runs under --platform %s and prints its greeting",
      (platform) => {
        const r = run(t, platform);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe("hello\n");
      },
    );

    it.each(["amd64", "arm64"])("ships a %s binary in the %s variant", (a) => {
      expect(machineIn(t, `linux/${a}`, "/hello")).toBe(MACHINE[a]);
    });
  });

  it("exports both platforms as one OCI index, each manifest's layer holding its own architecture", () => {
    const out = mkdtempSync(join(tmpdir(), "scratchkit-e2e-oci-"));
    const r = buildx(
      ["--platform", PLATFORMS, "-f", "scratchkit.yaml", "--output", `type=oci,dest=${out}/image.tar`, "."],
      EXAMPLE,
    );
    expect(r.code, r.output).toBe(0);
    execFileSync("tar", ["-xf", `${out}/image.tar`, "-C", out]);
    const blob = (digest: string) => join(out, "blobs", ...(digest.split(":") as [string, string]));
    const json = (digest: string) => JSON.parse(readFileSync(blob(digest), "utf8"));
    const top = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    const index = json(top.manifests[0].digest);
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const variants = index.manifests.filter((m: { platform?: { os: string } }) => m.platform?.os === "linux");
    expect(
      variants.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort(),
    ).toEqual(["amd64", "arm64"]);
    for (const m of variants) {
      const layers = json(m.digest).layers as Array<{ digest: string }>;
      expect(layers).toHaveLength(1);
      const dir = mkdtempSync(join(out, "layer-"));
      execFileSync("tar", ["-xf", blob((layers[0] as { digest: string }).digest), "-C", dir]);
      expect(readdirSync(dir)).toEqual(["hello"]);
      expect(readFileSync(join(dir, "hello")).readUInt16LE(18)).toBe(MACHINE[m.platform.architecture]);
    }
  });

  it("gives build commands the Dockerfile frontend's platform args", () => {
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run:",
        '    - echo "args: $BUILDPLATFORM $BUILDOS/$BUILDARCH -> $TARGETPLATFORM $TARGETOS/$TARGETARCH/$TARGETVARIANT; uname -m: $(uname -m)"',
        "    - musl-gcc -static -s -o /out/hello hello.c",
        "artifacts: [hello]",
      ),
    });
    const r = buildx(
      ["--platform", PLATFORMS, "-f", "scratchkit.yaml", "--output", "type=cacheonly", "."],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("args: linux/amd64 linux/amd64 -> linux/amd64 linux/amd64/; uname -m: x86_64");
    // Emulated: the arm64 build stage runs the arm64 toolchain under qemu.
    expect(r.output).toContain(
      "args: linux/amd64 linux/amd64 -> linux/arm64 linux/arm64/; uname -m: aarch64",
    );
  });

  it("fails the platform whose artifact has another architecture, at the artifact's manifest line", () => {
    const yaml = manifest(
      "build:",
      `  image: ${TOOLCHAIN}`,
      "  package-manager: none",
      "  run: cp prebuilt /out/hello",
      "artifacts:",
      "  - hello",
    );
    const dir = context({ "hello.c": HELLO_C, "scratchkit.yaml": yaml });
    // A static amd64 program from the host's compiler, shipped as-is for every platform.
    execFileSync("gcc", ["-static", "-o", "prebuilt", "hello.c"], { cwd: dir });
    const ok = buildx(
      ["--platform", "linux/amd64", "-f", "scratchkit.yaml", "--output", "type=cacheonly", "."],
      dir,
    );
    expect(ok.code, ok.output).toBe(0);
    const r = buildx(
      ["--platform", PLATFORMS, "-f", "scratchkit.yaml", "--output", "type=cacheonly", "."],
      dir,
    );
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /\/out\/hello[^\n]*(x86-64|amd64)[^\n]*arm64|\/out\/hello[^\n]*arm64[^\n]*(x86-64|amd64)/,
    );
    expect(r.output).toMatch(/scratchkit\.yaml:7/);
  });

  it("names the platform and build.image when the build image has no variant for it", () => {
    const r = buildx(
      ["--platform", "linux/amd64,linux/s390x", "-f", "scratchkit.yaml", "--output", "type=cacheonly", "."],
      EXAMPLE,
    );
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /build\.image: cannot resolve scratchkit\/toolchain:bookworm[^\n]* for linux\/s390x/,
    );
    expect(r.output).toMatch(/scratchkit\.yaml:7/);
  });
});
