// A named context stands in for the build image by its familiar name, as dockerui's
// NamedContext replaces FROM NAME: a docker-image:// one by its reference (resolved as usual),
// an OCI layout's image, a frontend input, a local directory, a git checkout or a download as
// the build stage's root. Sources it cannot read are errors at build.image.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baseLabels, resolveBuildBase, sbomBuildImage } from "../../src/frontend/build-base.js";
import { lookupNamedContext } from "../../src/frontend/named-contexts.js";
import { parseBuildConfig } from "../../src/gateway/build-config.js";
import { LocatedError } from "../../src/gateway/located.js";
import { parseOpts } from "../../src/gateway/opts.js";
import { pb } from "../../src/gen/proto.js";
import { assembleBuild } from "../../src/graph/assemble.js";
import { imageConfig } from "../../src/image/config.js";
import * as llb from "../../src/llb/index.js";
import { familiarName } from "../../src/llb/index.js";
import type { Manifest } from "../../src/manifest/types.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { DEFAULT_PATH, planBuild } from "../../src/plan/plan.js";
import { MemoryClient, type Tree } from "./fixtures/memory-client.js";

const config = (opts: Record<string, string>) =>
  parseBuildConfig(
    parseOpts(
      Object.fromEntries(
        Object.entries(opts).map(([k, v], i) => [`BUILDKIT_FRONTEND_OPT_${i}`, `${k}=${v}`]),
      ),
    ),
    [],
  );
const AMD64 = { os: "linux", architecture: "amd64" };
const ALPINE_DEFAULT =
  "name: hello\nbuild:\n  package-manager: none\n  run: cc -o /out/hello hello.c\nartifacts: [hello]\n";
const manifest = () => loadManifest(ALPINE_DEFAULT, "scratchkit.yaml");
const DIGEST = `sha256:${"ab".repeat(32)}`;
const NAMED = { sessionId: "session-1", inputs: {}, gitMTimeCommit: false };

/** What the engine sent when a bake target (tc, FROM the toolchain + ENV SK_BASE) replaced alpine:3.22. */
const bakeOpts = JSON.parse(readFileSync(new URL("./fixtures/bake-input-opts.json", import.meta.url), "utf8"))
  .bakeBuildImage as Record<string, string>;
/** The names the engine's Inputs() answered in that build. */
const bakeInputs = JSON.parse(
  readFileSync(new URL("./fixtures/bake-input-names.json", import.meta.url), "utf8"),
).bakeBuildImage as string[];
/** ResolveImageConfig of an OCI layout's image, as the engine answered it. */
const layout = JSON.parse(
  readFileSync(new URL("./fixtures/oci-layout-resolve.json", import.meta.url), "utf8"),
) as {
  request: { Ref: string; StoreID: string };
  response: { Digest: string; Ref: string; Config: string };
};

/** The source ops of a state's definition, with their attrs. */
function sources(state: llb.State) {
  const def = llb.marshal(state, { platform: AMD64 }).definition;
  return (def.def ?? []).map((b) => pb.Op.decode(b)).flatMap((o) => (o.source ? [o.source] : []));
}

/** The build stage's first exec on a base: what it runs on and with which env. */
function firstExec(m: Manifest, base: Awaited<ReturnType<typeof resolveBuildBase>>["base"]) {
  const plan = planBuild(m, { platform: AMD64, baseEnv: base.env });
  const g = assembleBuild(m, plan, {
    dockerignore: "",
    sessionId: "session-1",
    ...(base.kind === "context" ? { base: base.state } : {}),
  });
  const ops = (llb.marshal(g.output, { platform: AMD64 }).definition.def ?? []).map((b) => pb.Op.decode(b));
  return { exec: ops.find((o) => o.exec)?.exec, sources: ops.flatMap((o) => (o.source ? [o.source] : [])) };
}

/** A client whose solves all give `tree` (a local named context's .dockerignore lives there). */
function client(tree: Tree = {}, more: Partial<ConstructorParameters<typeof MemoryClient>[0]> = {}) {
  return new MemoryClient({ refs: { ref: tree }, ...more });
}

describe("finding the named context for a name", () => {
  it("compares names in their familiar form, the per-platform key first", () => {
    expect(familiarName("docker.io/library/alpine:3.22")).toBe("alpine:3.22");
    expect(familiarName("alpine:latest")).toBe("alpine");
    expect(familiarName("NOT VALID")).toBeUndefined();
    const contexts = config({
      "context:docker.io/library/alpine:3.22": "docker-image://x",
      "context:alpine:3.22::linux/arm64": "local:arm",
    }).namedContexts;
    expect(lookupNamedContext(contexts, "alpine:3.22", AMD64)?.context).toEqual({
      kind: "docker-image",
      ref: "x",
    });
    expect(lookupNamedContext(contexts, "alpine:3.22", { os: "linux", architecture: "arm64" })).toEqual({
      name: "alpine:3.22::linux/arm64",
      context: { kind: "local", ref: "arm" },
    });
    expect(lookupNamedContext(contexts, "alpine:3.21", AMD64)).toBeUndefined();
  });
});

describe("a named context replacing build.image", () => {
  it("a docker-image:// context replaces the reference, which is resolved and pinned as usual", async () => {
    const resolved: string[] = [];
    const c = client(
      {},
      {
        resolveImageConfig: async (ref) => {
          resolved.push(ref);
          return { Digest: DIGEST, Config: Buffer.from('{"config":{"Env":["PATH=/tc/bin"]}}'), Ref: ref };
        },
      },
    );
    const cfg = config({ "context:alpine:3.22": "docker-image://scratchkit/toolchain:bookworm" });
    const { manifest: m, base } = await resolveBuildBase(c, manifest(), cfg, AMD64, NAMED);
    expect(m.build.image.value).toBe("scratchkit/toolchain:bookworm");
    expect(resolved).toEqual(["docker.io/scratchkit/toolchain:bookworm"]);
    expect(base).toEqual({ kind: "image", digest: DIGEST, env: ["PATH=/tc/bin"] });
    expect(baseLabels(m, base)).toEqual({ name: "docker.io/scratchkit/toolchain:bookworm", digest: DIGEST });
  });

  it("an oci-layout:// context: the layout's image, its config read from the session's store", async () => {
    const calls: Array<[string, object]> = [];
    const r = layout.response;
    const c = client(
      {},
      {
        resolveImageConfig: async (ref, opts) => {
          calls.push([ref, opts]);
          return { Digest: r.Digest, Ref: r.Ref, Config: Buffer.from(r.Config, "base64") };
        },
      },
    );
    // buildx sends the layout as STORE:latest@DIGEST, STORE the ID it serves the directory under
    const store = layout.request.StoreID;
    const digest = r.Digest;
    const cfg = config({ "context:alpine:3.22": `oci-layout://${store}:latest@${digest}` });
    const { manifest: m, base } = await resolveBuildBase(c, manifest(), cfg, AMD64, NAMED);
    expect(m.build.image.value).toBe("alpine:3.22");
    expect(calls).toEqual([
      [layout.request.Ref, expect.objectContaining({ ociLayoutStore: store, sessionId: "session-1" })],
    ]);
    if (base.kind !== "context") throw new Error("expected a named context base");
    expect(base.digest).toBe(digest);
    const { exec, sources: srcs } = firstExec(m, base);
    expect(srcs[0]).toMatchObject({
      identifier: `oci-layout://${layout.request.Ref}`,
      attrs: { "oci.session": "session-1", "oci.store": store },
    });
    // the layout image's own env (its PATH, SK_BASE) reaches the build commands, as a registry image's does
    expect(exec?.meta?.env).toEqual(
      expect.arrayContaining([
        "PATH=/opt/sk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "SK_BASE=from-the-layout",
      ]),
    );
    // labels: the layout image's digest, no registry name it never had
    expect(baseLabels(m, base)).toEqual({ digest });
    expect(sbomBuildImage(m, base)).toEqual({
      name: "alpine:3.22",
      digest,
      source: `the named context alpine:3.22 (oci-layout://${store}:latest@${digest}), not a registry image`,
    });
  });

  it("an input:NAME context (a bake target): the input's state, its image config from input-metadata", async () => {
    const tc = pb.Definition.decode(llb.marshal(llb.image("scratchkit/toolchain:bookworm")).bytes);
    const inputs = Object.fromEntries(bakeInputs.map((n) => [n, tc]));
    const { manifest: m, base } = await resolveBuildBase(c0(), manifest(), config(bakeOpts), AMD64, {
      ...NAMED,
      inputs,
    });
    if (base.kind !== "context") throw new Error("expected a named context base");
    expect(base.found.name).toBe("alpine:3.22");
    expect(base.env).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "SK_BASE=from-bake",
    ]);
    expect(sources(base.state).map((s) => s.identifier)).toEqual([
      "docker-image://docker.io/scratchkit/toolchain:bookworm",
    ]);
    expect(baseLabels(m, base)).toBeUndefined();
  });

  it("a local: context: a plain filesystem with the default PATH, its own .dockerignore applied", async () => {
    const c = client({ ".dockerignore": "# not in the root\nsecret.txt\n" });
    const cfg = config({ "context:alpine:3.22": "local:alpine:3.22" });
    const { manifest: m, base } = await resolveBuildBase(c, manifest(), cfg, AMD64, NAMED);
    if (base.kind !== "context") throw new Error("expected a named context base");
    expect(base.env).toEqual([]);
    const local = sources(base.state)[0];
    expect(local).toMatchObject({
      identifier: "local://alpine:3.22",
      attrs: { "local.excludepatterns": '["secret.txt"]', "local.sharedkeyhint": "context:alpine:3.22" },
    });
    // the .dockerignore was read through a local that transfers only it
    const first = (c.solved[0] as pb.IDefinition).def?.map((b) => pb.Op.decode(b)).find((o) => o.source);
    expect(first?.source?.attrs?.["local.followpaths"]).toBe('[".dockerignore"]');
    const { exec } = firstExec(m, base);
    expect(exec?.meta?.env).toContain(DEFAULT_PATH);
    expect(baseLabels(m, base)).toBeUndefined();
    expect(sbomBuildImage(m, base)).toEqual({
      name: "alpine:3.22",
      source: "the named context alpine:3.22 (local:alpine:3.22), not a registry image",
    });
    // no labels about a base image that is not one
    const labels = imageConfig(m, planBuild(m, { platform: AMD64 }), {}).config.Labels ?? {};
    expect(Object.keys(labels).filter((k) => k.includes("base."))).toEqual([]);
  });

  it("a local: context without a .dockerignore excludes nothing", async () => {
    const { base } = await resolveBuildBase(
      client({}),
      manifest(),
      config({ "context:alpine:3.22": "local:root" }),
      AMD64,
      NAMED,
    );
    if (base.kind !== "context") throw new Error("expected a named context base");
    expect(sources(base.state)[0]?.attrs?.["local.excludepatterns"]).toBeUndefined();
  });

  it("a git context: the checkout is the root", async () => {
    const cfg = config({ "context:alpine:3.22": "git://127.0.0.1/rootfs.git#v1" });
    const { base } = await resolveBuildBase(c0(), manifest(), cfg, AMD64, NAMED);
    if (base.kind !== "context") throw new Error("expected a named context base");
    expect(sources(base.state)[0]?.identifier).toBe("git://127.0.0.1/rootfs.git#v1");
    expect(base.env).toEqual([]);
  });

  it("sources it cannot use are errors at build.image, naming the context", async () => {
    const m = manifest();
    const fails = async (value: string, inputs = {}) => {
      const cfg = config({ "context:alpine:3.22": value });
      const err = await resolveBuildBase(c0(), m, cfg, AMD64, { ...NAMED, inputs }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LocatedError);
      expect((err as LocatedError).spans).toEqual([m.build.image.span]);
      return (err as LocatedError).message;
    };
    expect(await fails("input:0-gen")).toBe(
      "build.image: the named context alpine:3.22 is input:0-gen, but no frontend input 0-gen was passed",
    );
    expect(await fails("oci-layout://store")).toMatch(
      /^build\.image: the named context alpine:3\.22 is not oci-layout:\/\/STORE@sha256:DIGEST/,
    );
    expect(await fails("ftp://host/rootfs")).toMatch(
      /^build\.image: the named context alpine:3\.22 has a source scratchkit does not know: ftp:\/\/host\/rootfs/,
    );
  });

  it("an OCI layout whose image cannot be read is an error at build.image with BuildKit's reason", async () => {
    const { bridgeError } = await import("./fixtures/memory-client.js");
    const c = client(
      {},
      {
        resolveImageConfig: async () => {
          throw bridgeError("ResolveImageConfig", "content digest sha256:ab...: not found", []);
        },
      },
    );
    const m = manifest();
    const cfg = config({ "context:alpine:3.22": `oci-layout://store@${DIGEST}` });
    await expect(resolveBuildBase(c, m, cfg, AMD64, NAMED)).rejects.toThrow(
      `build.image: cannot read the image of the named context alpine:3.22 (oci-layout://store@${DIGEST}) for linux/amd64: content digest sha256:ab...: not found`,
    );
  });
});

function c0() {
  return client({});
}
