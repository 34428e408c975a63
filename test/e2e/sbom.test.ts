// --sbom=true on the real engine (containerd image store, offline): the frontend returns an
// SPDX 2.3 document per platform as the result's attestation, so BuildKit never looks for a
// scanner image; `scratchkit sbom` reads it back from the local image.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/command.js";
import { sbomCommand } from "../../src/cli/sbom.js";
import { connectDocker } from "../../src/engine/docker.js";
import { imageManifests } from "../../src/engine/image-contents.js";
import { buildx, context, docker, FRONTEND, manifest, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/hello");
const SYNTAX = ["--build-arg", `BUILDKIT_SYNTAX=${FRONTEND}`, "-f", "scratchkit.yaml"];
const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "../unit/fixtures/spdx/spdx-2.3-schema.json"), "utf8"),
) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const GO_IMAGE = process.env.SCRATCHKIT_GO_IMAGE ?? "scratchkit/go:bookworm";

interface Doc {
  files: Array<{
    SPDXID: string;
    fileName: string;
    checksums: Array<{ algorithm: string; checksumValue: string }>;
  }>;
  packages: Array<{
    SPDXID: string;
    name: string;
    checksums?: Array<{ checksumValue: string }>;
    externalRefs?: Array<{ referenceLocator: string }>;
  }>;
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
}

/** `scratchkit sbom TARGET [--platform P]`, in process: its exit code, stdout and stderr. */
async function sbomCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(sbomCommand, args, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function sbomOf(target: string, platform?: string): Promise<Doc> {
  const r = await sbomCli([target, ...(platform ? ["--platform", platform] : [])]);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as Doc;
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}

/** The content of /hello in the image, by docker cp. */
function helloBytes(image: string): Buffer {
  const id = execFileSync("docker", ["create", image], { encoding: "utf8" }).trim();
  try {
    const dir = mkdtempSync(join(tmpdir(), "scratchkit-e2e-sbom-"));
    execFileSync("docker", ["cp", `${id}:/hello`, dir]);
    return readFileSync(join(dir, "hello"));
  } finally {
    execFileSync("docker", ["rm", id]);
  }
}

function staticLinksOf(doc: Doc, path: string): string[] {
  const file = doc.files.find((f) => f.fileName.replace(/^\.?\//, "") === path.replace(/^\//, ""));
  return doc.relationships
    .filter((r) => r.relationshipType === "STATIC_LINK" && r.relatedSpdxElement === file?.SPDXID)
    .map((r) => doc.packages.find((p) => p.SPDXID === r.spdxElementId)?.name ?? "?")
    .sort();
}

/** The image's layers (diff IDs): what it ships, without the config's history or annotations. */
function layersOf(tag: string): string {
  return docker(["image", "inspect", "-f", "{{json .RootFS.Layers}}", tag]).trim();
}

const problem = suiteProblem();
const { tag, cleanup } = tagger("sbom-");

describe.skipIf(problem !== undefined)("--sbom=true", () => {
  afterAll(cleanup);
  const hello = tag("hello");
  let built: ReturnType<typeof buildx>;
  beforeAll(() => {
    built = buildx([...SYNTAX, "--sbom=true", "-t", hello, "--load", "."], EXAMPLE);
  });

  it("builds hello offline, without BuildKit's scanner image", () => {
    expect(built.code, built.output).toBe(0);
    expect(built.output).not.toMatch(/buildkit-syft-scanner/);
  });

  it("attaches an SPDX 2.3 document listing /hello with its SHA-256, the build image with its digest, musl as STATIC_LINK", async () => {
    const doc = await sbomOf(hello);
    const file = doc.files.find((f) => f.fileName.replace(/^\.?\//, "") === "hello");
    const sha = createHash("sha256").update(helloBytes(hello)).digest("hex");
    expect(file?.checksums).toContainEqual({ algorithm: "SHA256", checksumValue: sha });
    const toolchainDigest = docker(["image", "inspect", "-f", "{{.Id}}", TOOLCHAIN]).trim();
    const buildImage = doc.packages.find((p) => p.SPDXID === "SPDXRef-BuildImage");
    expect(buildImage?.name).toBe(`docker.io/${TOOLCHAIN}`);
    expect(buildImage?.checksums?.map((c) => `sha256:${c.checksumValue}`)).toContain(toolchainDigest);
    expect(staticLinksOf(doc, "/hello")).toContain("musl-dev");
  });

  it("works beside --provenance=mode=max", async () => {
    const t = tag("hello-prov");
    const r = buildx([...SYNTAX, "--sbom=true", "--provenance=mode=max", "-t", t, "--load", "."], EXAMPLE);
    expect(r.code, r.output).toBe(0);
    expect(staticLinksOf(await sbomOf(t), "/hello")).toContain("musl-dev");
    const attestations = (await imageManifests(connectDocker(), t)).filter((m) => m.kind === "attestation");
    expect(attestations).toHaveLength(1);
  });

  it("says when no SBOM is attached", async () => {
    const t = tag("hello-plain");
    const r = buildx([...SYNTAX, "--sbom=false", "--provenance=false", "-t", t, "--load", "."], EXAMPLE);
    expect(r.code, r.output).toBe(0);
    const cli = await sbomCli([t]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/no SBOM attached/);
  });

  it("with SOURCE_DATE_EPOCH, the image's layer is byte-identical with and without --sbom=true", async () => {
    const epoch = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000", "--provenance=false"];
    const a = tag("epoch-plain");
    const b = tag("epoch-sbom");
    expect(buildx([...SYNTAX, ...epoch, "-t", a, "--load", "."], EXAMPLE).code).toBe(0);
    expect(buildx([...SYNTAX, ...epoch, "--sbom=true", "-t", b, "--load", "."], EXAMPLE).code).toBe(0);
    const layers = layersOf(a);
    expect(layers).toMatch(/sha256:/);
    expect(layersOf(b)).toBe(layers);
  });

  // deploy/engine.sh registers qemu's handlers; only a machine without them may skip, and CI may not.
  const noQemu = !existsSync("/proc/sys/fs/binfmt_misc/qemu-aarch64");
  it.skipIf(noQemu && !process.env.CI)(
    "gives one SBOM per platform for a two-platform build, in an OCI layout too",
    async () => {
      expect(noQemu, "no qemu-aarch64 binfmt handler: run deploy/binfmt.sh").toBe(false);
      const out = mkdtempSync(join(tmpdir(), "scratchkit-e2e-sbom-oci-"));
      const r = buildx(
        [
          ...SYNTAX,
          "--sbom=true",
          "--platform",
          "linux/amd64,linux/arm64",
          "--output",
          `type=oci,dest=${out}/image.tar`,
          ".",
        ],
        EXAMPLE,
      );
      expect(r.code, r.output).toBe(0);
      const both = await sbomCli([`${out}/image.tar`]);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/linux\/amd64, linux\/arm64/);
      execFileSync("tar", ["-xf", `${out}/image.tar`, "-C", out]);
      for (const p of ["linux/amd64", "linux/arm64"])
        expect(staticLinksOf(await sbomOf(out, p), "/hello")).toContain("musl-dev");
    },
  );

  it("names GLib, jansson and glibc as STATIC_LINK of a glibc-static program, with versions and purls", async () => {
    const t = tag("glib");
    const dir = context({
      "app.c": [
        "#include <glib.h>",
        "#include <jansson.h>",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "int main(void) {",
        '  json_t *o = json_pack("{s:s}", "hello", "glib");',
        "  char *s = json_dumps(o, JSON_COMPACT);",
        "  gchar *u = g_ascii_strup(s, -1);",
        "  puts(u);",
        "  g_free(u);",
        "  free(s);",
        "  json_decref(o);",
        "  return 0;",
        "}",
        "",
      ].join("\n"),
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: apt",
        "  packages: [libglib2.0-dev, libjansson-dev, pkg-config]",
        "  run: gcc -static -Os -o /out/app app.c $(pkg-config --static --cflags --libs glib-2.0 jansson)",
        // glibc-static GLib reaches NSS (getpwnam): the user knows, as the example says.
        "artifacts: [{path: app, allow-dlopen: true}]",
      ),
    });
    const r = buildx(["--network=host", "--sbom=true", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const doc = await sbomOf(t);
    const linked = staticLinksOf(doc, "/app");
    for (const p of ["libglib2.0-dev", "libjansson-dev", "libc6-dev"]) expect(linked).toContain(p);
    const glib = doc.packages.find((p) => p.name === "libglib2.0-dev") as
      | (Doc["packages"][number] & { versionInfo?: string })
      | undefined;
    expect(glib?.versionInfo).toMatch(/^\d/);
    expect(glib?.externalRefs?.map((e) => e.referenceLocator)).toContainEqual(
      expect.stringMatching(/^pkg:deb\/debian\/libglib2\.0-dev@.+\?arch=amd64/),
    );
    // What the test measured, for the closing note.
    const size = (await sbomCli([t])).stdout.length;
    console.error(
      `glib sbom: ${linked.length} STATIC_LINK packages (${linked.join(", ")}), document ${size} bytes`,
    );
  });

  it("still observes the c preset's link (objects compiled through ccache, one link through gcc)", async () => {
    const t = tag("preset-c");
    const dir = context({
      // A fresh source each run: the build step runs (and prints its ccache line) every time.
      "main.c": `/* ${Date.now()} */\n#include <stdio.h>\nint twice(int);\nint main(void) { printf("%d\\n", twice(21)); }\n`,
      "twice.c": "int twice(int x) { return 2 * x; }\n",
      "scratchkit.yaml": manifest(
        "preset: c",
        "name: hello",
        "build:",
        `  image: ${TOOLCHAIN}`,
        // apt: ccache is installed whatever the toolchain image holds.
        "  package-manager: apt",
      ),
    });
    const r = buildx(["--network=host", "--sbom=true", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/preset c: ccache: \d of 2 compiles were cache hits/);
    expect(staticLinksOf(await sbomOf(t), "/hello")).toContain("musl-dev");
  });

  it("lists a go-preset program's modules (Go build info read from the binary) as STATIC_LINK", async () => {
    const t = tag("go");
    const dir = context({
      "go.mod": "module hello\n\ngo 1.19\n",
      "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from go") }\n',
      "scratchkit.yaml": manifest(
        "name: hello",
        "preset: go",
        "build:",
        `  image: ${GO_IMAGE}`,
        "  package-manager: none",
        "  run: go build -trimpath -ldflags='-s -w' -o /out/hello .",
      ),
    });
    const r = buildx(["--sbom=true", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const doc = await sbomOf(t);
    const file = doc.files.find((f) => f.fileName.replace(/^\.?\//, "") === "hello");
    const purls = doc.relationships
      .filter((x) => x.relationshipType === "STATIC_LINK" && x.relatedSpdxElement === file?.SPDXID)
      .flatMap((x) => doc.packages.find((p) => p.SPDXID === x.spdxElementId)?.externalRefs ?? [])
      .map((e) => e.referenceLocator);
    expect(purls.some((p) => p.startsWith("pkg:golang/stdlib@"))).toBe(true);
  });
});
