// The frontend's protocol flow against an in-process fake LLBBridge: which requests it
// makes, in what order, and what it returns. Proves the flow, not that builds work: the
// end-to-end suite does that on a real engine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAZARD_BUDGET } from "../../src/elf/index.js";
import { frontendResult } from "../../src/frontend/dispatch.js";
import { FrontendError } from "../../src/gateway/errors.js";
import { moby, pb } from "../../src/gen/proto.js";
import { manifestDefinition } from "../../src/graph/definition.js";
import * as llb from "../../src/llb/index.js";
import { opDigest } from "../../src/llb/index.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { type FakeBridge, gatewayOver, startFakeBridge } from "./fixtures/fake-bridge.js";
import { missingFileAnswer } from "./fixtures/memory-client.js";

const MANIFEST = [
  "# syntax=scratchkit/frontend:dev",
  "build:",
  "  image: scratchkit/toolchain:bookworm",
  "  package-manager: apt",
  "  packages: [musl-tools]",
  "  run: musl-gcc -static -o /out/hello hello.c",
  "artifacts:",
  "  - hello",
  "",
].join("\n");

const dir = mkdtempSync(join(tmpdir(), "frontend-flow-"));
let staticElf: Buffer;
let dynamicElf: Buffer;
let arm64Elf: Buffer;
beforeAll(() => {
  const src = join(dir, "hello.c");
  execFileSync("sh", ["-c", `printf '#include <stdio.h>\\nint main(){puts("hi");}\\n' > ${src}`]);
  execFileSync("gcc", ["-static", "-o", join(dir, "static"), src]);
  execFileSync("gcc", ["-o", join(dir, "dynamic"), src]);
  staticElf = readFileSync(join(dir, "static"));
  dynamicElf = readFileSync(join(dir, "dynamic"));
  // The same static program claiming AArch64 (e_machine 183 at offset 18): the gate reads headers only.
  arm64Elf = Buffer.from(staticElf);
  arm64Elf.writeUInt16LE(183, 18);
});

/** What a decoded Solve asked for: the source identifiers and exec args in its definition. */
function describeDef(def: pb.IDefinition) {
  const ops = (def.def ?? []).map((b) => pb.Op.decode(b));
  return {
    sources: ops.flatMap((o) => (o.source ? [o.source] : [])),
    execs: ops.flatMap((o) => (o.exec ? [o.exec] : [])),
    files: ops.flatMap((o) => (o.file ? [o.file] : [])),
  };
}

/** The op the definition's terminal points at. */
function rootOp(def: pb.IDefinition): pb.Op | undefined {
  const bytes = def.def ?? [];
  const terminal = pb.Op.decode(bytes[bytes.length - 1] as Uint8Array);
  const digest = terminal.inputs?.[0]?.digest;
  const found = bytes.find((b) => opDigest(b) === digest);
  return found ? pb.Op.decode(found) : undefined;
}

interface Setup {
  manifest?: string;
  artifact?: Buffer;
  /** Per architecture (amd64, arm64): the artifact that platform's build wrote. */
  artifacts?: Record<string, Buffer>;
  opts?: Record<string, string>;
  dockerignore?: string;
  /** The manifest's own scratchkit.yaml.dockerignore (wins over the context's). */
  manifestDockerignore?: string;
  /** Frontend inputs the caller passes (what Inputs answers). */
  inputs?: Record<string, pb.IDefinition>;
  /**
   * Holds answers back until another request arrives (or HOLD_MS passed): the manifest until
   * its own .dockerignore is asked for, both .dockerignores until the build image is.
   */
  hold?: boolean;
  /** Holds the /out listing back until the artifact's first bytes are asked for (or HOLD_MS passed). */
  holdListing?: boolean;
}

/** How long a held answer waits for the request it waits on. */
const HOLD_MS = 1500;

/** Resolves when `events` holds `event`, or after HOLD_MS. */
async function heardOf(events: string[], event: string): Promise<void> {
  for (let waited = 0; waited < HOLD_MS && !events.includes(event); waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(bridge: FakeBridge, setup: Setup = {}) {
  const artifact = setup.artifact ?? staticElf;
  const artifactOf = (ref: string) => setup.artifacts?.[ref.replace(/^output-?/, "") || "amd64"] ?? artifact;
  const reads: Array<{ path: string; offset: number; length: number }> = [];
  const dirReads: string[] = [];
  // Every request in the order the frontend made it, to check what came before what.
  const events: string[] = [];
  bridge.calls.Solve = [];
  bridge.handlers = {
    Inputs: () => ({ Definitions: setup.inputs ?? {} }),
    Solve: (req: moby.buildkit.v1.frontend.SolveRequest) => {
      const d = describeDef(req.Definition ?? {});
      const local = d.sources.find((s) => s.identifier?.startsWith("local://"));
      // Refs of another platform than the worker's carry its architecture: output-arm64.
      const ops = (req.Definition?.def ?? []).map((b) => pb.Op.decode(b));
      const arch = ops.find((o) => o.platform?.Architecture)?.platform?.Architecture ?? "amd64";
      const suffix = arch === "amd64" ? "" : `-${arch}`;
      let id = `output${suffix}`;
      if (d.execs.length === 0 && local?.attrs?.["local.followpaths"]?.includes("scratchkit.yaml"))
        id = "manifest";
      else if (d.execs.length === 0 && local?.attrs?.["local.followpaths"]?.includes(".dockerignore"))
        id = "ignore";
      // The image is a FileOp on top; the build's output is the exec's (a remote context adds FileOps under it).
      else if (rootOp(req.Definition ?? {})?.file) id = `image${suffix}`;
      events.push(`Solve ${id}`);
      return { result: { ref: { id } } };
    },
    ReadFile: async (req: moby.buildkit.v1.frontend.ReadFileRequest) => {
      events.push(`ReadFile ${req.Ref} ${req.FilePath}`);
      if (req.Ref === "manifest" && req.FilePath === "scratchkit.yaml") {
        if (setup.hold) await heardOf(events, "ReadFile manifest scratchkit.yaml.dockerignore");
        events.push("answered manifest");
        return { Data: Buffer.from(setup.manifest ?? MANIFEST) };
      }
      if (req.Ref === "manifest" && req.FilePath === "scratchkit.yaml.dockerignore" && setup.hold) {
        await heardOf(events, "ResolveImageConfig");
        events.push("answered manifest .dockerignore");
      }
      if (
        req.Ref === "manifest" &&
        req.FilePath === "scratchkit.yaml.dockerignore" &&
        setup.manifestDockerignore
      ) {
        return { Data: Buffer.from(setup.manifestDockerignore) };
      }
      if (req.Ref === "ignore" && setup.hold) {
        await heardOf(events, "ResolveImageConfig");
        events.push("answered .dockerignore");
      }
      if (req.Ref === "ignore" && req.FilePath === ".dockerignore" && setup.dockerignore) {
        return { Data: Buffer.from(setup.dockerignore) };
      }
      if (req.Ref.startsWith("output") && req.FilePath === "/hello" && req.Range) {
        const offset = Number(req.Range.Offset);
        const length = Number(req.Range.Length);
        reads.push({ path: req.FilePath, offset, length });
        return { Data: artifactOf(req.Ref).subarray(offset, offset + length) };
      }
      throw missingFileAnswer("ReadFile", req.FilePath);
    },
    StatFile: (req: moby.buildkit.v1.frontend.StatFileRequest) => {
      events.push(`StatFile ${req.Ref} ${req.Path}`);
      if (req.Ref.startsWith("output") && req.Path === "/hello") {
        return { stat: { path: "hello", mode: 0o755, size: artifactOf(req.Ref).length } };
      }
      throw missingFileAnswer("StatFile", req.Path);
    },
    ReadDir: async (req: moby.buildkit.v1.frontend.ReadDirRequest) => {
      dirReads.push(req.DirPath);
      events.push(`ReadDir ${req.Ref} ${req.DirPath}`);
      if (setup.holdListing) {
        await heardOf(events, `ReadFile ${req.Ref} /hello`);
        events.push(`answered ReadDir ${req.Ref} ${req.DirPath}`);
      }
      const built = setup.manifest?.includes("- missing")
        ? []
        : [{ path: "hello", mode: 0o755, size: artifactOf(req.Ref).length }];
      return { entries: [...built, { path: "other", mode: 0o644 }] };
    },
    ResolveImageConfig: () => {
      events.push("ResolveImageConfig");
      return {
        Digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        Config: Buffer.from(JSON.stringify({ config: { Env: ["PATH=/opt/bin:/usr/bin:/bin", "LANG=C"] } })),
      };
    },
  };
  const { gateway, bridgeClient } = gatewayOver(bridge, setup.opts ?? {}, [
    "solve.base",
    "readfile",
    "statfile",
    "readdir",
    "resolveimage",
    "frontend.inputs",
  ]);
  try {
    const outcome = await frontendResult(gateway);
    return {
      outcome: { result: outcome },
      reads,
      dirReads,
      events,
      solves: bridge.calls.Solve as moby.buildkit.v1.frontend.SolveRequest[],
    };
  } finally {
    bridgeClient.close();
  }
}

describe("frontend flow against a fake LLBBridge", () => {
  let bridge: FakeBridge;
  beforeAll(async () => {
    bridge = await startFakeBridge();
  });
  afterAll(() => bridge.stop());

  it("sends the very image definition `scratchkit llb` assembles for the same manifest, .dockerignore and options", async () => {
    const dockerignore = "# build products\n*.o\n!keep.o\n/tmp\n";
    const { solves } = await run(bridge, { dockerignore, opts: { "build-arg:UNUSED": "x" } });
    const sent = (solves.at(-1) as moby.buildkit.v1.frontend.SolveRequest).Definition ?? {};
    expect(describeDef(sent).files.length).toBeGreaterThan(0);
    const cli = manifestDefinition(
      loadManifest(MANIFEST, "scratchkit.yaml"),
      {
        platform: { os: "linux", architecture: "amd64" },
        // what the fake bridge's ResolveImageConfig answers
        baseEnv: ["PATH=/opt/bin:/usr/bin:/bin", "LANG=C"],
        baseDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      },
      { dockerignore, sessionId: "session-1" },
    );
    const bytes = pb.Definition.encode(pb.Definition.create(sent)).finish();
    expect(Buffer.from(bytes).equals(Buffer.from(cli.bytes))).toBe(true);
    // and it is not the definition without the .dockerignore
    const unfiltered = manifestDefinition(
      loadManifest(MANIFEST, "scratchkit.yaml"),
      {
        platform: { os: "linux", architecture: "amd64" },
        baseEnv: ["PATH=/opt/bin:/usr/bin:/bin", "LANG=C"],
        baseDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      },
      { sessionId: "session-1", dockerignore: "" },
    );
    expect(Buffer.from(bytes).equals(Buffer.from(unfiltered.bytes))).toBe(false);
  });

  it("sends --cache-from's imports with every Solve (dockerui's cache-imports and legacy cache-from)", async () => {
    const imports = '[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/ctx10/cache"}}]';
    const { solves } = await run(bridge, { opts: { "cache-imports": imports, "cache-from": "reg/old" } });
    expect(solves.length).toBe(4);
    for (const s of solves) {
      expect(s.CacheImports.map((c) => ({ Type: c.Type, Attrs: c.Attrs }))).toEqual([
        { Type: "registry", Attrs: { ref: "127.0.0.1:5000/ctx10/cache" } },
        { Type: "registry", Attrs: { ref: "reg/old" } },
      ]);
    }
    const plain = await run(bridge);
    for (const s of plain.solves) expect(s.CacheImports).toEqual([]);
  });

  it("builds from a caller's `context` frontend input instead of the local directory", async () => {
    const input = llb.marshal(llb.git("git://127.0.0.1/repo.git", { ref: "v1" })).definition;
    const { outcome, solves } = await run(bridge, { inputs: { context: input } });
    expect(outcome.result.ref?.id).toBe("image");
    const build = describeDef((solves.at(-2) as moby.buildkit.v1.frontend.SolveRequest).Definition ?? {});
    const ids = build.sources.map((s) => s.identifier);
    expect(ids).toContain("git://127.0.0.1/repo.git#v1");
    expect(ids).not.toContain("local://context");
    // the manifest still comes from the dockerfile local
    expect(ids.filter((i) => i?.startsWith("local://"))).toEqual([]);
  });

  it("builds on a bake target that replaces build.image: the input's state, its config from input-metadata", async () => {
    // What the engine sent when a bake target (FROM the toolchain + ENV SK_BASE=from-bake)
    // replaced alpine:3.22, and the names its Inputs() answered; here it replaces this manifest's image.
    const bake = JSON.parse(readFileSync(new URL("./fixtures/bake-input-opts.json", import.meta.url), "utf8"))
      .bakeBuildImage as Record<string, string>;
    const names = JSON.parse(
      readFileSync(new URL("./fixtures/bake-input-names.json", import.meta.url), "utf8"),
    ).bakeBuildImage as string[];
    const input = pb.Definition.decode(llb.marshal(llb.image("scratchkit/toolchain:bookworm")).bytes);
    const { "context:alpine:3.22": value = "", ...opts } = bake;
    const { outcome, solves } = await run(bridge, {
      opts: { ...opts, "context:scratchkit/toolchain:bookworm": value },
      inputs: Object.fromEntries(names.map((n) => [n, input])),
    });
    expect(outcome.result.ref?.id).toBe("image");
    const output = describeDef(
      solves.find((s) => describeDef(s.Definition ?? {}).execs.length > 0)?.Definition ?? {},
    );
    // the input as it came, not the registry image resolved and pinned
    expect(output.sources.map((s) => s.identifier)).toEqual([
      "docker-image://docker.io/scratchkit/toolchain:bookworm",
      "local://context",
    ]);
    // the env of the input's image config (input-metadata), not the registry image's
    const compile = output.execs.at(-1);
    expect(compile?.meta?.env?.slice(0, 2)).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "SK_BASE=from-bake",
    ]);
    expect(compile?.meta?.env).not.toContain("LANG=C");
    const config = JSON.parse(
      new TextDecoder().decode(outcome.result.metadata?.["containerimage.config"] as Uint8Array),
    );
    expect(Object.keys(config.config.Labels).filter((k: string) => k.includes(".base."))).toEqual([]);
  });

  it("reads the manifest, builds, verifies by ranged reads, then returns the image with its config", async () => {
    const { outcome, reads, dirReads, events, solves } = await run(bridge);
    expect(outcome.result.ref?.id).toBe("image");
    expect(dirReads).toEqual(["/"]); // one listing checks every artifact
    const order = solves.map((s) => describeDef(s.Definition ?? {}));
    expect(order.at(-1)?.files.length).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.startsWith("Solve "))).toEqual([
      "Solve manifest",
      "Solve ignore",
      "Solve output",
      "Solve image",
    ]);
    // The image is solved once the build's Solve is answered, while the gate reads, and only
    // lazily: BuildKit builds nothing for it, and exports only the ref Returned after the gate.
    expect(events.indexOf("Solve image")).toBeGreaterThan(events.indexOf("Solve output"));
    expect(solves.at(-1)?.Evaluate).toBeFalsy();
    expect(events).toContain("ReadDir output /");
    const lastArtifactRead = events.lastIndexOf("ReadFile output /hello");
    expect(lastArtifactRead).toBeGreaterThan(events.indexOf("ReadDir output /"));
    expect(lastArtifactRead).toBeGreaterThan(events.indexOf("Solve output"));
    // The artifact is a host-gcc glibc static: 64 KiB for the verdict, then the NSS scan (own cap),
    // one ReadFile of at most 64 KiB at a time.
    expect(reads.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(64 * 1024 + HAZARD_BUDGET);
    for (const r of reads) expect(r.length).toBeLessThanOrEqual(64 * 1024);

    const config = JSON.parse(
      new TextDecoder().decode(outcome.result.metadata?.["containerimage.config"] as Uint8Array),
    );
    expect(config).toMatchObject({
      os: "linux",
      architecture: "amd64",
      config: { Entrypoint: ["/hello"], WorkingDir: "/" },
    });
    expect(config.config.Env[0]).toMatch(/^PATH=/);

    const output = describeDef(
      solves.find((s) => describeDef(s.Definition ?? {}).execs.length > 0)?.Definition ?? {},
    );
    const [install, compile] = output.execs;
    expect(install?.meta?.args?.slice(0, 3)).toEqual([
      "/bin/sh",
      "-c",
      expect.stringContaining("apt-get install"),
    ]);
    expect(install?.meta?.args?.at(-1)).toBe("musl-tools");
    // The build sees the image's own env (its PATH), not a guess.
    // and the Dockerfile frontend's platform args (the fake's worker is linux/amd64).
    expect(compile?.meta?.env).toEqual([
      "PATH=/opt/bin:/usr/bin:/bin",
      "LANG=C",
      "BUILDPLATFORM=linux/amd64",
      "BUILDOS=linux",
      "BUILDARCH=amd64",
      "BUILDVARIANT=",
      "TARGETPLATFORM=linux/amd64",
      "TARGETOS=linux",
      "TARGETARCH=amd64",
      "TARGETVARIANT=",
    ]);
    expect(compile?.meta?.args).toEqual(["/bin/sh", "-c", "musl-gcc -static -o /out/hello hello.c"]);
    expect(compile?.mounts?.map((m) => m.dest)).toEqual(["/", "/out", "/src"]);
    // The build image is pinned to the digest ResolveImageConfig returned, as the Dockerfile frontend does.
    expect(output.sources.map((s) => s.identifier)).toEqual([
      "docker-image://docker.io/scratchkit/toolchain:bookworm@sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "local://context",
    ]);
  });

  it("asks for the artifact's first bytes while /out is listed, and verifies from them", async () => {
    const { outcome, events } = await run(bridge, { holdListing: true });
    // The listing was held until the read arrived: the gate did not wait for it first.
    expect(events.indexOf("ReadFile output /hello")).toBeLessThan(
      events.indexOf("answered ReadDir output /"),
    );
    expect(outcome.result.ref?.id).toBe("image");
    // A dynamic artifact read the same way still fails the gate.
    const err = await run(bridge, { artifact: dynamicElf, holdListing: true }).catch((e: unknown) => e);
    expect((err as FrontendError).message).toMatch(
      /^scratchkit\.yaml:8:5: \/out\/hello is dynamically linked/,
    );
  });

  it("produces byte-identical definitions for the same manifest and options", async () => {
    const a = await run(bridge);
    const b = await run(bridge);
    const bytes = (r: typeof a) =>
      r.solves.map((s) => Buffer.from(pb.Definition.encode(s.Definition ?? {}).finish()).toString("hex"));
    expect(bytes(a)).toEqual(bytes(b));
  });

  it("fails a dynamic artifact with file:line:col and the manifest lines, and never builds or returns the image", async () => {
    const err = await run(bridge, { artifact: dynamicElf }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrontendError);
    const fe = err as FrontendError;
    expect(fe.code).toBe(9);
    expect(fe.message).toMatch(
      /^scratchkit\.yaml:8:5: \/out\/hello is dynamically linked: interpreter \/lib64\/ld-linux-x86-64\.so\.2, needs libc\.so\.6/,
    );
    expect(fe.source?.ranges).toEqual([{ start: 8, end: 8 }]);
    expect(fe.source?.filename).toBe("scratchkit.yaml");
    // The build failed the gate: the result is the error (serve Returns it, so nothing is
    // exported). The image was asked for only lazily, so BuildKit never built it either.
    const images = (bridge.calls.Solve as moby.buildkit.v1.frontend.SolveRequest[]).filter(
      (s) => describeDef(s.Definition ?? {}).files.length > 0,
    );
    expect(images.every((s) => !s.Evaluate)).toBe(true);
  });

  it("fails a malformed manifest with file:line:col before building anything", async () => {
    const err = await run(bridge, { manifest: "build:\n  run: x\nartifacts: hello\n" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FrontendError);
    expect((err as FrontendError).code).toBe(3);
    expect((err as FrontendError).message).toContain(
      "scratchkit.yaml:3:12: artifacts: expected a non-empty list",
    );
    expect((err as FrontendError).source?.ranges).toEqual([{ start: 3, end: 3 }]);
    expect((bridge.calls.Solve as unknown[]).length).toBe(2); // the manifest and .dockerignore only
  });

  it("names what the build wrote when an artifact is missing", async () => {
    const err = await run(bridge, { manifest: MANIFEST.replace("  - hello", "  - missing") }).catch(
      (e: unknown) => e,
    );
    expect((err as FrontendError).message).toBe(
      "/out/missing was not produced by the build; it wrote /out/other",
    );
  });

  it("reads the manifest's .dockerignore beside it and resolves the build image while the context's is read", async () => {
    const dockerignore = "*.o\n";
    const { events, solves } = await run(bridge, { dockerignore, hold: true });
    // Each answer was held until the request it waits on arrived: the frontend did not wait for it first.
    expect(events.indexOf("ReadFile manifest scratchkit.yaml.dockerignore")).toBeLessThan(
      events.indexOf("answered manifest"),
    );
    expect(events.indexOf("ResolveImageConfig")).toBeLessThan(events.indexOf("answered .dockerignore"));
    expect(events.indexOf("ResolveImageConfig")).toBeLessThan(
      events.indexOf("answered manifest .dockerignore"),
    );
    // and the build still applies the context's .dockerignore it had not read yet
    const build = describeDef((solves.at(-2) as moby.buildkit.v1.frontend.SolveRequest).Definition ?? {});
    const context = build.sources.find((x) => x.identifier === "local://context");
    expect(context?.attrs?.["local.excludepatterns"]).toContain("*.o");
    // the manifest's own .dockerignore, answered last, still wins over the context's
    const own = await run(bridge, { dockerignore, manifestDockerignore: "own.o\n", hold: true });
    const ownBuild = describeDef(
      (own.solves.at(-2) as moby.buildkit.v1.frontend.SolveRequest).Definition ?? {},
    );
    const patterns = ownBuild.sources.find((x) => x.identifier === "local://context")?.attrs?.[
      "local.excludepatterns"
    ];
    expect(patterns).toContain("own.o");
    expect(patterns).not.toContain("*.o");
  });

  it("honours force-network-mode and .dockerignore", async () => {
    const { solves } = await run(bridge, {
      opts: { "force-network-mode": "host" },
      dockerignore: "# c\n/secret\n!keep\n",
    });
    const output = describeDef(
      solves.find((s) => describeDef(s.Definition ?? {}).execs.length > 0)?.Definition ?? {},
    );
    expect(output.execs.map((e) => e.network)).toEqual([pb.NetMode.HOST, pb.NetMode.HOST]);
    const ctx = output.sources.find((s) => s.identifier === "local://context");
    // The manifest itself is no build input: editing a label must not re-run the compile.
    expect(JSON.parse(ctx?.attrs?.["local.excludepatterns"] ?? "[]")).toEqual([
      "secret",
      "!keep",
      "scratchkit.yaml",
      "scratchkit.yaml.dockerignore",
    ]);
    expect(ctx?.attrs?.["local.session"]).toBe("session-1");
  });

  it("builds a platform list into refs keyed by platform id, with a config each and refs.platforms", async () => {
    const { outcome, solves } = await run(bridge, {
      opts: { platform: "linux/amd64,linux/arm64" },
      artifacts: { amd64: staticElf, arm64: arm64Elf },
    });
    const { result } = outcome;
    expect(result.ref).toBeUndefined();
    expect(Object.fromEntries(Object.entries(result.refs?.refs ?? {}).map(([k, r]) => [k, r.id]))).toEqual({
      "linux/amd64": "image",
      "linux/arm64": "image-arm64",
    });
    const meta = (k: string) =>
      JSON.parse(new TextDecoder().decode(result.metadata?.[k] as Uint8Array)) as Record<string, unknown>;
    expect(meta("refs.platforms")).toEqual({
      Platforms: [
        { ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } },
        { ID: "linux/arm64", Platform: { architecture: "arm64", os: "linux" } },
      ],
    });
    expect(meta("containerimage.config/linux/arm64")).toMatchObject({ os: "linux", architecture: "arm64" });
    expect(meta("containerimage.config/linux/amd64")).toMatchObject({ os: "linux", architecture: "amd64" });
    expect(result.metadata?.["containerimage.config"]).toBeUndefined();
    // The arm64 build runs on the arm64 image (emulated) and sees both platforms as args.
    const arm = solves
      .map((s) => (s.Definition?.def ?? []).map((b) => pb.Op.decode(b)))
      .find((ops) => ops.some((o) => o.exec && o.platform?.Architecture === "arm64"));
    const env = arm?.find((o) => o.exec?.meta?.args?.[2]?.startsWith("musl-gcc"))?.exec?.meta?.env;
    expect(env).toEqual(
      expect.arrayContaining(["BUILDPLATFORM=linux/amd64", "TARGETPLATFORM=linux/arm64", "TARGETARCH=arm64"]),
    );
  });

  it("keys one platform by its id when multi-platform=true, as dockerui does", async () => {
    const { outcome } = await run(bridge, { opts: { "multi-platform": "true" } });
    expect(outcome.result.ref).toBeUndefined();
    expect(outcome.result.refs?.refs?.["linux/amd64"]?.id).toBe("image");
  });

  it("fails the platform whose artifact has another architecture, with the manifest line", async () => {
    const err = await run(bridge, {
      opts: { platform: "linux/amd64,linux/arm64" },
      artifacts: { amd64: staticElf, arm64: staticElf },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrontendError);
    const fe = err as FrontendError;
    expect(fe.message).toMatch(/\/out\/hello/);
    expect(fe.message).toMatch(/arm64|aarch64/i);
    expect(fe.source?.ranges).toEqual([{ start: 8, end: 8 }]);
  });
});
