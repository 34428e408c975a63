import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import { imageContents, runImage } from "../../src/engine/image-contents.js";
import {
  buildx,
  context,
  docker as dockerCmd,
  FRONTEND,
  HELLO_C,
  imageExists,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const problem = suiteProblem();

const EXAMPLE = join(import.meta.dirname, "../../examples/hello");
const docker = connectDocker();
const { tag, cleanup } = tagger("");

describe.skipIf(problem !== undefined)("hello through # syntax= on a real engine", () => {
  afterAll(cleanup);

  describe("the example", () => {
    const t = tag("hello");
    let first: ReturnType<typeof buildx>;
    beforeAll(() => {
      first = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], EXAMPLE);
    });

    it("builds, with progress lines that read well", () => {
      expect(first.output, first.output).toContain(`naming to docker.io/${t}`);
      expect(first.code).toBe(0);
      expect(first.output).toMatch(/\[build 1\/1\] musl-gcc -static -Os -s -o \/out\/hello hello\.c/);
      expect(first.output).toMatch(/\[image 1\/1\] copy \/hello/);
    });

    it("holds exactly one layer with exactly the program, and its size is the program's", async () => {
      const img = await imageContents(docker, t);
      expect(img.layers).toHaveLength(1);
      const files = img.layers[0]?.files ?? [];
      expect(files.map((f) => f.path.replace(/^\.?\//, ""))).toEqual(["hello"]);
      const program = files[0];
      expect(program?.type).toBe("file");
      expect(program?.mode && program.mode & 0o111).toBeTruthy();
      // The layer tar is the program plus tar framing: one 512-byte header, padding
      // to 512 and the 1024-byte end marker. (The engine's own Size is disk usage
      // under the containerd image store, not the content's size.)
      const tarBytes = img.layers[0]?.tarBytes ?? 0;
      expect(tarBytes - (program?.size ?? 0)).toBeGreaterThan(0);
      expect(tarBytes - (program?.size ?? 0)).toBeLessThanOrEqual(512 + 511 + 1024);
      expect(img.config.Entrypoint).toEqual(["/hello"]);
      expect(`${img.os}/${img.architecture}`).toBe("linux/amd64");
    });

    it("labels the build image by name, and by digest only when the engine gives one", () => {
      const labels = JSON.parse(
        dockerCmd(["image", "inspect", "-f", "{{json .Config.Labels}}", t]),
      ) as Record<string, string>;
      expect(labels["org.opencontainers.image.base.name"]).toBe(`docker.io/${TOOLCHAIN}`);
      const repoDigests = JSON.parse(
        dockerCmd(["image", "inspect", "-f", "{{json .RepoDigests}}", TOOLCHAIN]),
      ) as string[];
      // The offline toolchain exists only in the local store: ResolveImageConfig returns no
      // digest for it, so there is none to label (the README says so).
      if (repoDigests.length === 0)
        expect(labels).not.toHaveProperty(["org.opencontainers.image.base.digest"]);
      else expect(labels["org.opencontainers.image.base.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it("was built by a frontend image that asks BuildKit for no network (one bridge sandbox less per build)", () => {
      const labels = JSON.parse(
        dockerCmd(["image", "inspect", "-f", "{{json .Config.Labels}}", FRONTEND]),
      ) as Record<string, string>;
      expect(labels["moby.buildkit.frontend.network.none"]).toBe("true");
    });

    it("runs and prints hello", async () => {
      const r = await runImage(docker, t);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("hello\n");
    });

    it("rebuilds from cache when nothing changed", () => {
      const again = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], EXAMPLE);
      expect(again.code, again.output).toBe(0);
      expect(again.output).toMatch(/\[build 1\/1\] musl-gcc[^\n]*\n#\d+ CACHED/);
      console.info(
        `warm rebuild of the hello example: ${Math.round(again.ms)} ms (cold ${Math.round(first.ms)} ms)`,
      );
    });
  });

  describe("what a change re-runs", () => {
    const COMPILE_CACHED = /\[build 1\/1\] musl-gcc[^\n]*\n#\d+ CACHED/;
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": readFileSync(join(EXAMPLE, "scratchkit.yaml"), "utf8"),
    });
    const t = tag("changes");
    const build = (...extra: string[]) => buildx([...extra, "-f", "scratchkit.yaml", "-t", t, "."], dir);
    beforeAll(() => {
      expect(build().code).toBe(0);
    });

    it("an image-only edit of the manifest (a label) re-runs no build step", () => {
      appendFileSync(join(dir, "scratchkit.yaml"), "  labels: {edited: 'yes'}\n");
      const r = build();
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(COMPILE_CACHED);
      expect(dockerCmd(["image", "inspect", "-f", '{{index .Config.Labels "edited"}}', t]).trim()).toBe(
        "yes",
      );
    });

    it("a source edit re-runs the compile", () => {
      // A new text each run: BuildKit's cache is keyed by content, across runs too.
      writeFileSync(join(dir, "hello.c"), HELLO_C.replace("hello", `hello ${Date.now()}`));
      const r = build();
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toMatch(COMPILE_CACHED);
    });

    it("--no-cache re-runs the compile even when nothing changed", () => {
      const r = build("--no-cache");
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toMatch(COMPILE_CACHED);
    });
  });

  it("fails a dynamically linked program before export, naming it, its interpreter and libraries", () => {
    const t = tag("dynamic");
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: gcc -O2 -o /out/hello hello.c",
        "artifacts:",
        "  - hello",
      ),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("/out/hello is dynamically linked");
    expect(r.output).toMatch(/interpreter \/lib64\/ld-linux-x86-64\.so\.2/);
    expect(r.output).toContain("libc.so.6");
    expect(r.output).toContain("link with -static");
    // buildx prints the manifest lines of the artifact, like a Dockerfile error.
    expect(r.output).toMatch(/scratchkit\.yaml:\d+/);
    expect(r.output).toContain(">>>   - hello");
    expect(imageExists(t)).toBe(false);
  });

  it("fails a musl dynamic program with musl's interpreter", () => {
    const t = tag("musl-dynamic");
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: musl-gcc -o /out/hello hello.c",
        "artifacts: [hello]",
      ),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/\/out\/hello is dynamically linked: interpreter \/lib\/ld-musl-x86_64\.so\.1/);
    expect(imageExists(t)).toBe(false);
  });

  it("fails a malformed manifest with file:line:col and no image", () => {
    const t = tag("malformed");
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": manifest("build:", "  pakages: [gcc]", "  run: cc hello.c", "artifacts: [hello]"),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "scratchkit.yaml:3:3: unknown key build.pakages; did you mean build.packages?",
    );
    expect(r.output).not.toMatch(/\n\s+at .*\.(c?js|ts):\d+/); // no stack trace
    expect(imageExists(t)).toBe(false);
  });

  it("names what the build wrote when an artifact is missing", () => {
    const dir = context({
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: touch /out/other",
        "artifacts: [hello]",
      ),
    });
    const r = buildx(["-f", "scratchkit.yaml", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("/out/hello was not produced by the build; it wrote /out/other");
  });

  it("installs packages as their own step (apt, host network) and honours .dockerignore", async () => {
    const t = tag("apt");
    const dir = context({
      "hello.c": HELLO_C,
      "secret.txt": "must not reach the build\n",
      ".dockerignore": "secret.txt\n",
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: apt",
        "  packages: [hello]",
        "  run:",
        "    - test -x /usr/bin/hello && test ! -e secret.txt && test -e hello.c",
        "    - musl-gcc -static -o /out/hello hello.c",
        "artifacts: [hello]",
      ),
    });
    const r = buildx(["--network=host", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[build 1/3] apt-get install hello");
    expect(r.output).toContain("[build 3/3] musl-gcc -static -o /out/hello hello.c");
    expect((await runImage(docker, t)).stdout).toBe("hello\n");
  });
});
