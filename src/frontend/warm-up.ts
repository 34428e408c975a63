// One build in process against canned answers, run when the frontend image is built
// (scripts/frontend-start.cjs --make-code-cache) just before V8's code cache is written: the
// cache then holds the functions a build compiles (the gRPC client and its HTTP/2 connection,
// the message codecs, YAML parsing, planning, LLB, lint, the gate) besides the bundle's top
// level, so a real build does not compile them again. The answers come from an in-process
// LLBBridge server on a private unix socket, so the build runs through the same client stack
// as against BuildKit. Nothing here writes to stdout.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { BRIDGE_METHODS, bridgeServiceDefinition } from "../gateway/bridge-service.js";
import { capsFromPong, FrontendCap } from "../gateway/caps.js";
import { BridgeClient } from "../gateway/client.js";
import { type BuildOpts, GatewayClient } from "../gateway/frontend-client.js";
import { fsutil } from "../gen/proto.js";
import { Caps } from "../llb/index.js";
import { serve } from "./dispatch.js";

/** A manifest like most: a build image, a compile command, one artifact, a label. */
const MANIFEST = `name: warm-up
build:
  image: scratchkit/toolchain:bookworm
  package-manager: none
  run: cc -static -Os -o /out/app app.c
artifacts: [app]
image:
  labels: { org.opencontainers.image.title: warm-up }
`;

/** Go's os.FileMode of a regular file with mode 0755, as ReadDir answers. */
const REGULAR_0755 = 0o755;

/**
 * Runs a build of MANIFEST whose artifact is the file at `artifact` (any ELF: a dynamic one
 * fails the gate, which is fine here; the verdict is not the point). Resolves either way, to
 * the bridge methods the server answered, in order.
 */
export async function warmUp(artifact: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "scratchkit-warm-up-"));
  const server = new grpc.Server();
  const served: string[] = [];
  let client: BridgeClient | undefined;
  try {
    server.addService(bridgeServiceDefinition(), cannedBridge(readFileSync(artifact), served));
    const address = `unix:${join(dir, "bridge.sock")}`;
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    // As main.ts: Ping for the caps, then the build and its Return.
    client = new BridgeClient(address);
    const caps = capsFromPong(await client.ping());
    await serve(client, new GatewayClient(client, { ...OPTS, caps }));
  } catch {
    // A failed gate or anything else: the code ran, which is all the warm-up is for.
  } finally {
    client?.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return served;
}

const ALL_CAPS = {
  FrontendAPICaps: Object.values(FrontendCap).map((ID) => ({ ID, Enabled: true })),
  LLBCaps: Object.values(Caps).map((ID) => ({ ID, Enabled: true })),
};

const OPTS: Omit<BuildOpts, "caps"> = {
  opts: { filename: "scratchkit.yaml", "label:warm-up": "1" },
  sessionId: "warm-up",
  workers: [{ id: "warm-up", labels: {}, platforms: [{ os: "linux", architecture: "amd64" }] }],
};

type Answer = (req: Record<string, unknown>) => object;

/** The server's side: every method answers from the manifest and the artifact. */
function cannedBridge(artifact: Uint8Array, served: string[]): grpc.UntypedServiceImplementation {
  const files: Record<string, Uint8Array> = {
    "scratchkit.yaml": new TextEncoder().encode(MANIFEST),
    app: artifact,
  };
  const file = (path: unknown) => files[String(path).replace(/^\/+/, "")];
  const missing = (path: unknown) => ({
    code: grpc.status.UNKNOWN,
    details: `open ${String(path)}: no such file or directory`,
  });
  const answers: Record<keyof typeof BRIDGE_METHODS, Answer> = {
    Ping: () => ALL_CAPS,
    Inputs: () => ({}),
    Solve: () => ({ result: { ref: { id: "warm-up" } } }),
    ReadFile: (req) => {
      const data = file(req.FilePath);
      if (!data) throw missing(req.FilePath);
      const range = req.Range as { Offset: number; Length: number } | null;
      return {
        Data: range ? data.subarray(Number(range.Offset), Number(range.Offset) + Number(range.Length)) : data,
      };
    },
    ReadDir: () => ({ entries: [stat("app", artifact.length)] }),
    StatFile: (req) => {
      const data = file(req.Path);
      if (!data) throw missing(req.Path);
      return { stat: stat(String(req.Path), data.length) };
    },
    ResolveImageConfig: () => ({
      Digest: `sha256:${"0".repeat(64)}`,
      Config: new TextEncoder().encode(JSON.stringify({ config: { Env: ["PATH=/usr/bin:/bin"] } })),
    }),
    Evaluate: () => ({}),
    Warn: () => ({}),
    Return: () => ({}),
  };
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, answer] of Object.entries(answers)) {
    impl[name] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, object>,
      done: grpc.sendUnaryData<object>,
    ) => {
      served.push(name);
      try {
        done(null, answer(call.request));
      } catch (err) {
        done(err as grpc.ServiceError);
      }
    };
  }
  return impl;
}

function stat(path: string, size: number) {
  return fsutil.types.Stat.create({ path, mode: REGULAR_0755, size });
}
