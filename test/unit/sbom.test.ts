// The SBOM's pure parts: a real ld map file (recorded from musl-gcc on the toolchain image
// through the observer's wrapper), the plan/graph switch, and the SPDX document.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pb } from "../../src/gen/proto.js";
import { assembleBuild } from "../../src/graph/assemble.js";
import { marshal } from "../../src/llb/index.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { planBuild } from "../../src/plan/plan.js";
import type { SbomEvidence } from "../../src/sbom/evidence.js";
import { parseLinkMap } from "../../src/sbom/link-map.js";
import { OBSERVER_DIR, OBSERVER_ENV } from "../../src/sbom/link-observer.js";
import { spdxDocument } from "../../src/sbom/spdx.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };
const HELLO =
  "build:\n  image: scratchkit/toolchain:bookworm\n  package-manager: none\n  run: musl-gcc -static -Os -s -o /out/hello hello.c\nartifacts: [hello]\n";

describe("ld map files", () => {
  const map = readFileSync(new URL("fixtures/sbom/musl-hello.map", import.meta.url), "utf8");

  it("names the output and only the archives whose members were linked", () => {
    const r = parseLinkMap(map);
    expect(r?.output).toBe("/out-hello");
    // libgcc.a and libgcc_eh.a were searched (LOAD lines) but gave nothing: not linked.
    expect(map).toContain("LOAD /usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a");
    expect(map).toContain("LOAD /usr/lib/gcc/x86_64-linux-gnu/12/libgcc_eh.a");
    expect(r?.archives).toEqual(["/usr/lib/x86_64-linux-musl/libc.a"]);
    // crtbeginS.o is libgcc-12-dev's: objects count as linked.
    expect(r?.objects).toContain("/usr/lib/gcc/x86_64-linux-gnu/12/crtbeginS.o");
    expect(r?.objects.some((o) => o.startsWith("/tmp/"))).toBe(true);
  });

  it("gives nothing for a map without an output (a failed link)", () => {
    expect(parseLinkMap(map.replace(/^OUTPUT\(.*$/m, ""))).toBeUndefined();
  });
});

describe("link observation in the graph", () => {
  const graph = (sbom: boolean, platform = AMD64, buildPlatform = AMD64, text = HELLO) => {
    const m = loadManifest(text, "scratchkit.yaml");
    const plan = planBuild(m, { platform, buildPlatform, sbom });
    const g = assembleBuild(m, plan, { dockerignore: "" });
    return { plan, g, bytes: marshal(g.image, { platform }).bytes };
  };

  it("leaves the image's LLB byte-identical without --sbom", () => {
    const a = graph(false);
    expect(a.plan.observeLinks).toBeUndefined();
    expect(a.g.links).toBeUndefined();
    // Asking for it changes the compile step (the observer mount), so the bytes differ.
    expect(Buffer.from(graph(true).bytes).equals(Buffer.from(a.bytes))).toBe(false);
    expect(Buffer.from(graph(false).bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it("mounts the observer and sets COMPILER_PATH in the build commands with --sbom", () => {
    const { g } = graph(true);
    expect(g.links).toBeDefined();
    const def = pb.Definition.decode(marshal(g.output, { platform: AMD64 }).bytes);
    const exec = def.def.map((b) => pb.Op.decode(b)).find((o) => o.exec)?.exec;
    expect(exec?.mounts?.map((m) => m.dest)).toContain(OBSERVER_DIR);
    expect(exec?.meta?.env).toContain(OBSERVER_ENV);
  });

  it("does not observe a cross build (the stage's ld is not the target's)", () => {
    const text = HELLO.replace("  run:", "  cross: true\n  run:");
    const { plan } = graph(true, ARM64, AMD64, text);
    expect(plan.stagePlatform).toEqual(AMD64);
    expect(plan.observeLinks).toBeUndefined();
  });
});

describe("the SPDX document", () => {
  const musl = {
    manager: "deb" as const,
    name: "musl-dev",
    version: "1.2.3-1",
    arch: "amd64",
    purl: "pkg:deb/debian/musl-dev@1.2.3-1?arch=amd64&distro=debian-12",
  };
  const zlib = {
    ...musl,
    name: "zlib1g-dev",
    version: "1:1.2.13",
    purl: "pkg:deb/debian/zlib1g-dev@1%3A1.2.13?arch=amd64",
  };
  const evidence = (e: SbomEvidence["links"][number]["evidence"]): SbomEvidence => ({
    buildImage: { name: "docker.io/scratchkit/toolchain:bookworm", digest: "sha256:abcd" },
    installed: [musl, zlib],
    links: [
      { artifact: "/hello", evidence: e, packages: e === "unobserved" ? [musl, zlib] : [musl], modules: [] },
    ],
  });
  const doc = (e: SbomEvidence["links"][number]["evidence"], epoch?: number) =>
    spdxDocument({
      name: "hello",
      platform: "linux/amd64",
      files: [{ path: "/hello", sha256: "00".repeat(32) }],
      evidence: evidence(e),
      ...(epoch !== undefined ? { epoch } : {}),
    });

  it("says STATIC_LINK for an observed link, with the package's version and purl", () => {
    const d = doc("link-trace", 1700000000) as {
      relationships: Array<Record<string, string>>;
      packages: Array<Record<string, unknown>>;
    };
    const link = d.relationships.filter((r) => r.relationshipType === "STATIC_LINK");
    expect(link).toEqual([
      expect.objectContaining({
        spdxElementId: "SPDXRef-Package-deb-musl-dev-amd64",
        relatedSpdxElement: "SPDXRef-File-hello",
      }),
    ]);
    const pkg = d.packages.find((p) => p.name === "musl-dev");
    expect(pkg).toMatchObject({
      versionInfo: "1.2.3-1",
      externalRefs: [{ referenceType: "purl", referenceLocator: musl.purl }],
    });
    expect((d as unknown as { creationInfo: { created: string } }).creationInfo.created).toBe(
      "2023-11-14T22:13:20Z",
    );
  });

  it("never calls an unobserved link STATIC_LINK: each possible contributor is marked as such", () => {
    const d = doc("unobserved") as { relationships: Array<Record<string, string>> };
    expect(d.relationships.some((r) => r.relationshipType === "STATIC_LINK")).toBe(false);
    const possible = d.relationships.filter(
      (r) => r.relatedSpdxElement === "SPDXRef-File-hello" && r.relationshipType === "OTHER",
    );
    expect(possible).toHaveLength(2);
    for (const r of possible) expect(r.comment).toMatch(/possible contributor/);
  });

  it("describes a named context build root for what it is: a registry purl only for a registry image", () => {
    const entry = (buildImage: SbomEvidence["buildImage"]) =>
      (
        spdxDocument({
          name: "x",
          platform: "linux/amd64",
          files: [],
          evidence: { buildImage, installed: [], links: [] },
        }) as { packages: Array<Record<string, unknown>> }
      ).packages.find((p) => p.SPDXID === "SPDXRef-BuildImage");
    const layout = entry({
      name: "alpine:3.22",
      digest: "sha256:abcd",
      source: "the named context alpine:3.22 (oci-layout://store@sha256:abcd), not a registry image",
    });
    expect(layout).toMatchObject({
      name: "alpine:3.22",
      checksums: [{ algorithm: "SHA256", checksumValue: "abcd" }],
      comment:
        "the build stage's root filesystem: the named context alpine:3.22 (oci-layout://store@sha256:abcd), not a registry image",
    });
    expect(layout?.externalRefs).toBeUndefined();
    const rootfs = entry({
      name: "alpine:3.22",
      source: "the named context alpine:3.22 (local:rootfs), not a registry image",
    });
    expect(rootfs?.checksums).toBeUndefined();
    expect(rootfs?.comment).toContain("(local:rootfs)");
    expect(
      entry({ name: "docker.io/library/alpine:3.22", digest: "sha256:abcd" })?.externalRefs,
    ).toHaveLength(1);
  });

  it("gives files whose paths spell the same ID distinct SPDX IDs", () => {
    const d = spdxDocument({
      name: "x",
      platform: "linux/amd64",
      files: [
        { path: "/a/b", sha256: "11".repeat(32) },
        { path: "/a-b", sha256: "22".repeat(32) },
      ],
      evidence: { buildImage: { name: "img" }, installed: [], links: [] },
    }) as { files: Array<{ SPDXID: string }> };
    const ids = d.files.map((f) => f.SPDXID);
    expect(new Set(ids).size).toBe(2);
  });

  it("keeps modules whose names spell the same SPDX ID apart, each linked to the artifact", () => {
    const mod = (name: string) => ({
      ecosystem: "golang" as const,
      name,
      version: "v1.0.0",
      purl: `pkg:golang/${name}@v1.0.0`,
    });
    const d = spdxDocument({
      name: "x",
      platform: "linux/amd64",
      files: [{ path: "/app", sha256: "11".repeat(32) }],
      evidence: {
        buildImage: { name: "img" },
        installed: [],
        links: [
          {
            artifact: "/app",
            evidence: "go-buildinfo",
            packages: [],
            modules: [mod("github.com/a/b-c"), mod("github.com/a-b/c")],
          },
        ],
      },
    }) as {
      packages: Array<{ SPDXID: string; name: string }>;
      relationships: Array<{ spdxElementId: string; relationshipType: string }>;
    };
    const modules = d.packages.filter((p) => p.name.startsWith("github.com/"));
    expect(modules.map((p) => p.name)).toEqual(["github.com/a/b-c", "github.com/a-b/c"]);
    expect(new Set(modules.map((p) => p.SPDXID)).size).toBe(2);
    const linked = d.relationships.filter((r) => r.relationshipType === "STATIC_LINK");
    expect(new Set(linked.map((r) => r.spdxElementId))).toEqual(new Set(modules.map((p) => p.SPDXID)));
  });

  it("is the same bytes for the same inputs, and its namespace follows the content", () => {
    expect(JSON.stringify(doc("link-trace", 1))).toBe(JSON.stringify(doc("link-trace", 1)));
    const ns = (d: Record<string, unknown>) => d.documentNamespace;
    expect(ns(doc("link-trace"))).not.toBe(ns(doc("unobserved")));
  });
});
