// A named context that is not a registry image replaces build.image, as it replaces a
// Dockerfile's FROM NAME: an image in an OCI layout (its config env reaches the build), a bake
// target (a frontend input, its config from input-metadata) and a local directory holding a
// root filesystem (the default PATH, its own .dockerignore applied). Each build compiles
// hello.c with the toolchain the context carries and the image runs it.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/command.js";
import { sbomCommand } from "../../src/cli/sbom.js";
import {
  bake,
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
const { tag, cleanup } = tagger("named-base-");

/** An Alpine-default manifest (build.image is alpine:3.22, unreachable offline); `check` runs before the compile. */
function alpineDefault(check: string): string {
  return manifest(
    "name: hello",
    "build:",
    "  package-manager: none",
    "  run:",
    `    - ${check}`,
    "    - musl-gcc -static -Os -s -o /out/hello hello.c",
    "artifacts: [hello]",
  );
}

/** The image's labels. */
function labels(t: string): Record<string, string> {
  return JSON.parse(docker(["image", "inspect", "-f", "{{json .Config.Labels}}", t])) as Record<
    string,
    string
  >;
}

/** The SPDX document `scratchkit sbom` reads back from a local image. */
async function sbomOf(image: string): Promise<{
  packages: Array<{ SPDXID: string; comment?: string; externalRefs?: unknown[] }>;
}> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(sbomCommand, [image], {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  if (code !== 0) throw new Error(`scratchkit sbom ${image}: ${err.join("\n")}`);
  return JSON.parse(out.join("\n"));
}

/** The first manifest of an OCI layout directory (`--output type=oci,tar=false`). */
function layoutDigest(dir: string): string {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: { digest: string }[];
  };
  const digest = index.manifests[0]?.digest;
  if (!digest) throw new Error(`${dir}: empty OCI layout`);
  return digest;
}

describe.skipIf(problem !== undefined)(
  "build.image replaced by a named context that is not a registry image",
  () => {
    // The layout and the root filesystem are the toolchain's size: removed, unlike small contexts.
    const large: string[] = [];
    afterAll(() => {
      cleanup();
      for (const d of large) rmSync(d, { recursive: true, force: true });
    });
    const dir = context({ "hello.c": HELLO_C });

    // The toolchain with an env of its own, as an OCI layout on disk (what buildx serves from its session).
    let layout = "";
    let digest = "";
    beforeAll(() => {
      layout = mkdtempSync(join(tmpdir(), "scratchkit-base-layout-"));
      large.push(layout);
      const src = context({
        Dockerfile: `FROM ${TOOLCHAIN}\nENV SK_BASE=from-the-layout PATH=/opt/sk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`,
      });
      const made = buildx(["--output", `type=oci,dest=${layout},tar=false`, "."], src);
      if (made.code !== 0) throw new Error(`could not make the OCI layout:\n${made.output}`);
      digest = layoutDigest(layout);
    });

    it("oci-layout://DIR@sha256:…: the layout's image is the build root and its env reaches the commands", async () => {
      writeFileSync(
        join(dir, "scratchkit.yaml"),
        alpineDefault(
          `test "$SK_BASE" = from-the-layout && case "$PATH" in /opt/sk/bin:*) ;; *) exit 3;; esac`,
        ),
      );
      const t = tag("layout");
      const r = buildx(
        [
          "-f",
          "scratchkit.yaml",
          "--build-context",
          `alpine:3.22=oci-layout://${layout}@${digest}`,
          "--sbom=true",
          "-t",
          t,
          "--load",
          ".",
        ],
        dir,
      );
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain("[context alpine:3.22] OCI load from client");
      expect(docker(["run", "--rm", t]).trim()).toBe("hello");
      // The labels name what is known: the layout image's digest (the one manifest the layout
      // holds, for this platform), and no registry name it never had.
      const l = labels(t);
      expect(l["org.opencontainers.image.base.digest"]).toBe(digest);
      expect(l["org.opencontainers.image.base.name"]).toBeUndefined();
      // The SBOM's build-image entry says what the build root was, with no registry purl.
      const entry = (await sbomOf(t)).packages.find((p) => p.SPDXID === "SPDXRef-BuildImage");
      expect(entry).toMatchObject({ name: "alpine:3.22", checksums: [{ checksumValue: digest.slice(7) }] });
      expect(entry?.comment).toContain("the named context alpine:3.22 (oci-layout://");
      expect(entry?.externalRefs).toBeUndefined();
    });

    it("an OCI layout digest that is not in the layout is an error at build.image", () => {
      writeFileSync(join(dir, "scratchkit.yaml"), alpineDefault("true"));
      const missing = `sha256:${"0".repeat(64)}`;
      const r = buildx(
        ["-f", "scratchkit.yaml", "--build-context", `alpine:3.22=oci-layout://${layout}@${missing}`, "."],
        dir,
      );
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(
        /scratchkit\.yaml:\d+:\d+: build\.image: cannot read the image of the named context alpine:3\.22/,
      );
    });

    it("a local directory holding a root filesystem: the default PATH, its own .dockerignore applied", () => {
      // The toolchain's root filesystem as plain files (docker export), with a .dockerignore of its own.
      const rootfs = mkdtempSync(join(tmpdir(), "scratchkit-base-rootfs-"));
      large.push(rootfs);
      const id = docker(["create", TOOLCHAIN, "true"]).trim();
      try {
        const exported = spawnSync("sh", ["-c", `"$0" export "$1" | tar -x -C "$2"`, DOCKER, id, rootfs], {
          encoding: "utf8",
        });
        expect(exported.status, exported.stderr).toBe(0);
      } finally {
        docker(["rm", id]);
      }
      writeFileSync(join(rootfs, "etc", "sk-ignored"), "left out by the directory's .dockerignore\n");
      writeFileSync(join(rootfs, ".dockerignore"), "etc/sk-ignored\n");
      writeFileSync(
        join(dir, "scratchkit.yaml"),
        alpineDefault(
          'test ! -e /etc/sk-ignored && test "$PATH" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        ),
      );
      const t = tag("rootfs");
      const r = buildx(
        ["-f", "scratchkit.yaml", "--build-context", `alpine:3.22=${rootfs}`, "-t", t, "--load", "."],
        dir,
      );
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain("[context alpine:3.22] load .dockerignore");
      expect(docker(["run", "--rm", t]).trim()).toBe("hello");
      const l = labels(t);
      expect(Object.keys(l).filter((k) => k.startsWith("org.opencontainers.image.base."))).toEqual([]);
    });
  },
);

describe.skipIf(problem !== undefined)("build.image replaced by a bake target (a frontend input)", () => {
  it("target tc FROM the toolchain feeds build.image through contexts; its ENV reaches the build", () => {
    const root = mkdtempSync(join(tmpdir(), "scratchkit-bake-base-"));
    const app = join(root, "app");
    mkdirSync(app);
    writeFileSync(join(app, "hello.c"), HELLO_C);
    writeFileSync(join(app, "scratchkit.yaml"), alpineDefault('test "$SK_BASE" = from-bake'));
    const out = join(root, "out");
    writeFileSync(
      join(root, "docker-bake.hcl"),
      [
        'target "tc" {',
        `  dockerfile-inline = "FROM ${TOOLCHAIN}\\nENV SK_BASE=from-bake\\n"`,
        "}",
        'target "app" {',
        '  context = "app"',
        '  dockerfile = "scratchkit.yaml"',
        '  contexts = { "alpine:3.22" = "target:tc" }',
        `  output = ["type=local,dest=${out}"]`,
        "}",
        "",
      ].join("\n"),
    );
    const r = bake(["app"], root);
    expect(r.code, r.output).toBe(0);
    const hello = join(out, "hello");
    const ran = spawnSync(hello, { encoding: "utf8" });
    expect(ran.stdout).toBe("hello\n");
  });
});
