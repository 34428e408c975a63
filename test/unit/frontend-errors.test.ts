// Bad input the frontend catches before building, against a fake LLBBridge that answers what
// the real engine answered (test/unit/fixtures/recorded-context.ts): an oversized manifest,
// context data that is not there, a build image that cannot be resolved, and --build-arg
// values the manifest does not declare.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBuiltinArg, undeclaredBuildArgs } from "../../src/frontend/build-args.js";
import { frontendResult } from "../../src/frontend/dispatch.js";
import { MAX_MANIFEST_BYTES } from "../../src/frontend/read-manifest.js";
import { BridgeCallError } from "../../src/gateway/client.js";
import { decodeSourceDetail, FrontendError } from "../../src/gateway/errors.js";
import { google, moby, pb } from "../../src/gen/proto.js";
import { local, marshal } from "../../src/llb/index.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { type FakeBridge, gatewayOver, startFakeBridge } from "./fixtures/fake-bridge.js";
import { missingFileAnswer } from "./fixtures/memory-client.js";
import {
  CONTEXT_ROOT,
  CONTEXT_SUB,
  RESOLVE_ARM64,
  readDirMissing,
  readDirNotADirectory,
  SOLVE_IMAGE_ARM64,
} from "./fixtures/recorded-context.js";

type SolveRequest = moby.buildkit.v1.frontend.SolveRequest;
type ReadFileRequest = moby.buildkit.v1.frontend.ReadFileRequest;
type StatFileRequest = moby.buildkit.v1.frontend.StatFileRequest;
type ReadDirRequest = moby.buildkit.v1.frontend.ReadDirRequest;
type ResolveRequest = moby.buildkit.v1.frontend.ResolveImageConfigRequest;
type WarnRequest = moby.buildkit.v1.frontend.WarnRequest;

const HEAD = [
  "# syntax=scratchkit/frontend:dev",
  "build:",
  "  image: scratchkit/toolchain:bookworm",
  "  package-manager: none",
  "  run: musl-gcc -static -o /out/hello hello.c",
  "artifacts:",
  "  - hello",
];
const manifestWith = (...lines: string[]) => [...HEAD, ...lines, ""].join("\n");

let staticElf: Buffer;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "frontend-errors-"));
  const src = join(dir, "hello.c");
  execFileSync("sh", ["-c", `printf 'int main(){return 0;}\\n' > ${src}`]);
  execFileSync("gcc", ["-static", "-o", join(dir, "hello"), src]);
  staticElf = readFileSync(join(dir, "hello"));
});

/** A BuildKit error as grpc-go sends it: code, message, and the Status with details in the trailer. */
function bkError(rec: {
  code: number;
  message: string;
  details: Array<{ type_url: string; value: string }>;
}) {
  const status = google.rpc.Status.create({
    code: rec.code,
    message: rec.message,
    details: rec.details.map((d) => ({ type_url: d.type_url, value: Buffer.from(d.value) })),
  });
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(google.rpc.Status.encode(status).finish()));
  return { code: rec.code, details: rec.message, metadata };
}

function ops(def: pb.IDefinition) {
  return (def.def ?? []).map((b) => pb.Op.decode(b));
}

/** What a solve is: the definition file, .dockerignore, the context alone, the build, or the image. */
function kindOf(def: pb.IDefinition): string {
  const all = ops(def);
  const local = all.find((o) => o.source?.identifier?.startsWith("local://"))?.source;
  if (all.some((o) => o.file)) return "image";
  if (all.some((o) => o.exec)) return "output";
  if (local?.attrs?.["local.followpaths"]?.includes("scratchkit.yaml")) return "manifest";
  if (local?.attrs?.["local.followpaths"]?.includes(".dockerignore")) return "ignore";
  return "context";
}

interface Setup {
  manifest: string;
  opts?: Record<string, string>;
  /** Context directory → entries (as recorded); a directory not listed is missing. */
  context?: Record<string, object[]>;
  /** A file in the context that is a file, where a directory is asked for. */
  files?: string[];
  dockerignore?: string;
  /** The dockerfile frontend forwarded the definition as a frontend input. */
  asInput?: boolean;
  resolve?: () => unknown;
  solveOutput?: () => unknown;
}

async function run(bridge: FakeBridge, setup: Setup) {
  for (const k of Object.keys(bridge.calls)) delete bridge.calls[k];
  const manifest = Buffer.from(setup.manifest);
  let excluded: string[] = [];
  bridge.handlers = {
    Inputs: () => ({
      Definitions: setup.asInput
        ? { dockerfile: marshal(local("dockerfile", { followPaths: ["scratchkit.yaml"] })).definition }
        : {},
    }),
    Solve: (req: SolveRequest) => {
      const kind = kindOf(req.Definition ?? {});
      if (kind === "context") {
        const src = ops(req.Definition ?? {}).find((o) => o.source)?.source;
        excluded = JSON.parse(src?.attrs?.["local.excludepatterns"] ?? "[]");
      }
      if (kind === "output" && setup.solveOutput) setup.solveOutput();
      return { result: { ref: { id: kind } } };
    },
    ReadFile: (req: ReadFileRequest) => {
      const data =
        req.Ref === "manifest" && req.FilePath === "scratchkit.yaml"
          ? manifest
          : req.Ref === "ignore" && req.FilePath === ".dockerignore" && setup.dockerignore
            ? Buffer.from(setup.dockerignore)
            : req.Ref === "output" && req.FilePath === "/hello"
              ? staticElf
              : undefined;
      if (!data) throw missingFileAnswer("ReadFile", req.FilePath);
      if (!req.Range) return { Data: data };
      // BuildKit reads a section: a range past the end gives what is there (recorded).
      const offset = Number(req.Range.Offset);
      return { Data: data.subarray(offset, offset + Number(req.Range.Length)) };
    },
    StatFile: (req: StatFileRequest) => {
      if (req.Ref === "manifest" && req.Path === "scratchkit.yaml")
        return { stat: { path: "scratchkit.yaml", mode: 420, size: manifest.length } };
      throw missingFileAnswer("StatFile", req.Path);
    },
    ReadDir: (req: ReadDirRequest) => {
      if (req.Ref === "output") return { entries: [{ path: "hello", mode: 493, size: staticElf.length }] };
      if (req.Ref !== "context") throw { code: 2, details: "unexpected ReadDir" };
      const entries = setup.context?.[req.DirPath];
      const rel = req.DirPath.replace(/^\//, "");
      if (entries)
        return {
          entries: entries.filter(
            (e) => !excluded.includes(`${rel ? `${rel}/` : ""}${(e as { path: string }).path}`),
          ),
        };
      if (setup.files?.includes(rel)) throw bkError(readDirNotADirectory(rel));
      throw bkError(readDirMissing(rel));
    },
    ResolveImageConfig: () =>
      setup.resolve
        ? setup.resolve()
        : { Digest: "", Config: Buffer.from(JSON.stringify({ config: { Env: ["PATH=/usr/bin:/bin"] } })) },
    Warn: () => ({}),
  };
  const { gateway, bridgeClient } = gatewayOver(bridge, setup.opts ?? {}, [
    "solve.base",
    "readfile",
    "statfile",
    "readdir",
    "resolveimage",
    "frontend.inputs",
    "gateway.warnings",
  ]);
  try {
    const outcome = await frontendResult(gateway).catch((e: unknown) => e);
    const solved = ((bridge.calls.Solve ?? []) as SolveRequest[]).map((s) => ({
      kind: kindOf(s.Definition ?? {}),
      def: s.Definition ?? {},
    }));
    return { outcome, solved, calls: bridge.calls };
  } finally {
    bridgeClient.close();
  }
}

let bridge: FakeBridge;
beforeAll(async () => {
  bridge = await startFakeBridge();
});
afterAll(() => bridge.stop());

describe("an oversized manifest", () => {
  const big = (bytes: number) => {
    const head = manifestWith();
    return head + "#".repeat(bytes - head.length - 1) + "\n";
  };

  it("fails with its size and the limit, having read at most one byte past the limit", async () => {
    const { outcome, solved, calls } = await run(bridge, { manifest: big(2 * MAX_MANIFEST_BYTES) });
    expect(outcome).toBeInstanceOf(FrontendError);
    const err = outcome as FrontendError;
    expect(err.message).toBe("scratchkit.yaml is 2 MiB; the limit is 1 MiB");
    expect(err.code).toBe(3);
    // Only the first line goes back in the error: the whole file is what broke the transport.
    expect(err.source).toMatchObject({ data: HEAD[0], ranges: [{ start: 1, end: 1 }] });
    const reads = calls.ReadFile as ReadFileRequest[];
    const manifestRead = reads.find((r) => r.FilePath === "scratchkit.yaml");
    expect(Number(manifestRead?.Range?.Offset)).toBe(0);
    expect(Number(manifestRead?.Range?.Length)).toBe(MAX_MANIFEST_BYTES + 1);
    expect(solved.map((s) => s.kind).sort()).toEqual(["ignore", "manifest"]);
  });

  it("rounds up, so just over the limit never reads as the limit", async () => {
    const { outcome } = await run(bridge, { manifest: big(MAX_MANIFEST_BYTES + 1) });
    expect((outcome as Error).message).toBe("scratchkit.yaml is 1.1 MiB; the limit is 1 MiB");
  });

  it("applies to a manifest forwarded as a frontend input", async () => {
    const { outcome, solved } = await run(bridge, { manifest: big(3 * MAX_MANIFEST_BYTES), asInput: true });
    expect((outcome as Error).message).toBe("scratchkit.yaml is 3 MiB; the limit is 1 MiB");
    // The input's definition was solved, not a local of our own.
    const manifestDef = solved.find((s) => s.kind === "manifest")?.def;
    expect(ops(manifestDef ?? {}).find((o) => o.source)?.source?.identifier).toBe("local://dockerfile");
  });

  it("builds a manifest of exactly the limit", async () => {
    const { outcome } = await run(bridge, { manifest: big(MAX_MANIFEST_BYTES) });
    expect(outcome).not.toBeInstanceOf(Error);
  });
});

describe("context data that is not in the context", () => {
  const context = { "/": [...CONTEXT_ROOT, { path: "config.txt", mode: 420, size: 5 }], "/sub": CONTEXT_SUB };

  it("fails before the build is solved, at the data line, naming what the context holds", async () => {
    const { outcome, solved, calls } = await run(bridge, {
      manifest: manifestWith("data: [conf.txt]"),
      context,
    });
    expect(outcome).toBeInstanceOf(FrontendError);
    const err = outcome as FrontendError;
    expect(err.message).toBe(
      "scratchkit.yaml:8:8: data: conf.txt is not in the build context; its top level has config.txt, hello.c, sub/; did you mean config.txt?",
    );
    expect(err.code).toBe(5);
    expect(err.source?.ranges).toEqual([{ start: 8, end: 8 }]);
    // Nothing ran: the build and image definitions were never solved.
    expect(solved.map((s) => s.kind)).not.toContain("output");
    expect(solved.map((s) => s.kind)).not.toContain("image");
    // One ReadDir for the one directory the data lives in.
    expect((calls.ReadDir as ReadDirRequest[]).map((r) => r.DirPath)).toEqual(["/"]);
  });

  it("names the nearest directory that exists when a parent is missing too", async () => {
    const { outcome, calls } = await run(bridge, {
      manifest: manifestWith("data:", "  - {src: sub/deep/x.conf, dest: /etc/x.conf}", "  - sub/a.txt"),
      context,
    });
    expect((outcome as Error).message).toBe(
      "scratchkit.yaml:9:5: data: sub/deep/x.conf is not in the build context; sub/ has a.txt",
    );
    expect((outcome as FrontendError).source?.ranges).toEqual([{ start: 9, end: 9 }]);
    // The data's own directories first (in parallel), then the ancestors on the failure path only.
    expect((calls.ReadDir as ReadDirRequest[]).map((r) => r.DirPath)).toEqual(["/sub", "/sub/deep"]);
  });

  it("treats a file where a directory should be as missing", async () => {
    const { outcome } = await run(bridge, {
      manifest: manifestWith("data: [hello.c/x]"),
      context,
      files: ["hello.c"],
    });
    expect((outcome as Error).message).toMatch(
      /^scratchkit\.yaml:8:8: data: hello\.c\/x is not in the build context; its top level has /,
    );
  });

  it("counts a file .dockerignore leaves out as missing, and says the filter applies", async () => {
    const { outcome, solved } = await run(bridge, {
      manifest: manifestWith("data: [config.txt]"),
      context,
      dockerignore: "config.txt\n",
    });
    expect((outcome as Error).message).toBe(
      "scratchkit.yaml:8:8: data: config.txt is not in the build context (after .dockerignore and build.context); its top level has hello.c, sub/",
    );
    const ctx = solved.find((s) => s.kind === "context")?.def;
    expect(JSON.parse(ops(ctx ?? {})[0]?.source?.attrs?.["local.excludepatterns"] ?? "[]")).toContain(
      "config.txt",
    );
  });

  it("lists the context with the build's own source op, and builds when the data is there", async () => {
    const { outcome, solved } = await run(bridge, {
      manifest: manifestWith("data: [config.txt, sub/a.txt]"),
      context,
    });
    expect(outcome).not.toBeInstanceOf(Error);
    const digestsOf = (kind: string) => {
      const def = solved.find((s) => s.kind === kind)?.def ?? {};
      return ops(def)
        .map((o, i) => ({ o, bytes: def.def?.[i] }))
        .filter(({ o }) => o.source?.identifier === "local://context")
        .map(({ bytes }) => Buffer.from(bytes ?? []).toString("hex"));
    };
    // Byte-identical op, so BuildKit transfers the context once for both.
    expect(digestsOf("context")).toHaveLength(1);
    expect(digestsOf("output")).toEqual(digestsOf("context"));
    expect(digestsOf("image")).toEqual(digestsOf("context"));
  });

  it("does not look at data from the build stage, nor solve the context for it", async () => {
    const { outcome, solved } = await run(bridge, {
      manifest: manifestWith("data: [{src: /etc/os-release, from: build}]"),
      context,
    });
    expect(outcome).not.toBeInstanceOf(Error);
    expect(solved.map((s) => s.kind)).not.toContain("context");
  });
});

describe("a build image that cannot be resolved", () => {
  it("points at build.image and names the image and the platform", async () => {
    const { outcome, calls, solved } = await run(bridge, {
      manifest: manifestWith(),
      opts: { platform: "linux/arm64" },
      resolve: () => {
        throw bkError(RESOLVE_ARM64);
      },
    });
    expect(outcome).toBeInstanceOf(FrontendError);
    const err = outcome as FrontendError;
    expect(err.message).toBe(
      'scratchkit.yaml:3:10: build.image: cannot resolve scratchkit/toolchain:bookworm (docker.io/scratchkit/toolchain:bookworm) for linux/arm64: failed to do request: Head "https://registry-1.docker.io/v2/scratchkit/toolchain/manifests/bookworm": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
    );
    expect(err.source?.ranges).toEqual([{ start: 3, end: 3 }]);
    expect(err.code).toBe(2);
    const resolveReq = (calls.ResolveImageConfig as ResolveRequest[])[0];
    expect(resolveReq?.Platform?.Architecture).toBe("arm64");
    expect(solved.map((s) => s.kind)).not.toContain("output");
  });

  it("gives build.image's line to a build that fails on its image source", async () => {
    const { outcome } = await run(bridge, {
      manifest: manifestWith(),
      solveOutput: () => {
        throw bkError(SOLVE_IMAGE_ARM64);
      },
    });
    expect(outcome).toBeInstanceOf(BridgeCallError);
    const err = outcome as BridgeCallError;
    // BuildKit's own message and code pass through; only the location is added.
    expect(err.status.message).toBe(SOLVE_IMAGE_ARM64.message);
    const src = err.status.details.map((d) => decodeSourceDetail(d)).find(Boolean);
    expect(src?.ranges).toEqual([{ start: 3, end: 3 }]);
  });
});

describe("--build-arg the manifest does not declare", () => {
  const withArgs = manifestWith("args:", "  VERSION: '1.0'");

  it("warns once, naming the undeclared args, and the build goes on", async () => {
    const { outcome, calls } = await run(bridge, {
      manifest: withArgs,
      opts: {
        "build-arg:VERSON": "2",
        "build-arg:EXTRA": "x",
        "build-arg:VERSION": "1.1",
        "build-arg:HTTP_PROXY": "http://proxy:3128",
        "build-arg:no_proxy": "localhost",
        "build-arg:BUILDKIT_INLINE_CACHE": "1",
        "build-arg:SOURCE_DATE_EPOCH": "0",
      },
    });
    expect(outcome).not.toBeInstanceOf(Error);
    const shorts = (calls.Warn as WarnRequest[]).map((w) => Buffer.from(w.short).toString());
    const argWarnings = shorts.filter((s) => s.includes("build-args"));
    expect(argWarnings).toEqual([
      "One or more build-args [EXTRA VERSON] were not consumed: scratchkit.yaml does not declare them under args (did you mean VERSION for VERSON?)",
    ]);
    const warn = (calls.Warn as WarnRequest[]).find((w) =>
      Buffer.from(w.short).toString().includes("build-args"),
    );
    expect(warn?.ranges?.[0]?.start?.line).toBe(9);
  });

  it("warns before the compile, so a failing one does not hide it", async () => {
    const { outcome, calls } = await run(bridge, {
      manifest: withArgs,
      opts: { "build-arg:VERSON": "2" },
      solveOutput: () => {
        throw { code: 2, details: 'process "/bin/sh -c cc" did not complete successfully: exit code: 1' };
      },
    });
    expect(outcome).toBeInstanceOf(BridgeCallError);
    const shorts = ((calls.Warn ?? []) as WarnRequest[]).map((w) => Buffer.from(w.short).toString());
    expect(shorts.filter((s) => s.includes("build-args"))).toHaveLength(1);
  });

  it("never asks for the image when the build itself fails", async () => {
    const { outcome, solved } = await run(bridge, {
      manifest: withArgs,
      solveOutput: () => {
        throw { code: 2, details: 'process "/bin/sh -c cc" did not complete successfully: exit code: 1' };
      },
    });
    expect(outcome).toBeInstanceOf(BridgeCallError);
    expect(solved.map((s) => s.kind)).toContain("output");
    expect(solved.map((s) => s.kind)).not.toContain("image");
  });

  it("says nothing when every arg is declared or built in", async () => {
    const { calls } = await run(bridge, {
      manifest: withArgs,
      opts: { "build-arg:VERSION": "2", "build-arg:https_proxy": "x", "build-arg:BUILDKIT_SYNTAX": "y" },
    });
    const shorts = (calls.Warn as WarnRequest[]).map((w) => Buffer.from(w.short).toString());
    expect(shorts.filter((s) => s.includes("build-args"))).toEqual([]);
  });

  it("knows the args clients send on their own", () => {
    for (const n of [
      "SOURCE_DATE_EPOCH",
      "BUILDKIT_INLINE_CACHE",
      "BUILDKIT_MULTI_PLATFORM",
      "HTTP_PROXY",
      "http_proxy",
      "NO_PROXY",
      "all_proxy",
      "FTP_PROXY",
    ])
      expect(isBuiltinArg(n), n).toBe(true);
    for (const n of ["VERSION", "Http_Proxy", "PROXY", "BUILDKIT"]) expect(isBuiltinArg(n), n).toBe(false);
    const m = loadManifest(manifestWith("args: {A: '1'}"), "scratchkit.yaml");
    expect(
      undeclaredBuildArgs(
        m,
        new Map([
          ["B", ""],
          ["A", ""],
          ["C", ""],
          ["HTTPS_PROXY", ""],
        ]),
      ),
    ).toEqual(["B", "C"]);
  });
});
