// One build in process against canned answers, run when the frontend image is built
// (scripts/frontend-start.cjs --make-code-cache) just before V8's code cache is written: the
// cache then holds the functions a build compiles (the gRPC client and its HTTP/2 connection,
// the message codecs, YAML parsing, planning, LLB, lint, the gate) besides the bundle's top
// level, so a real build does not compile them again. The answers come from an in-process
// LLBBridge server on a private unix socket, so the build runs through the same client stack
// and stdio transport as against BuildKit. Nothing here writes to stdout.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { greet } from "../gateway/bridge.js";
import { type BridgeHandler, startBridgeServer } from "../gateway/bridge-server.js";
import type { BridgeMethod } from "../gateway/bridge-service.js";
import { FrontendCap } from "../gateway/caps.js";
import { BridgeClient } from "../gateway/client.js";
import { type BuildOpts, GatewayClient } from "../gateway/frontend-client.js";
import { pipeStdioToSocket } from "../gateway/transport.js";
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
  const server = await startBridgeServer(cannedAnswers(readFileSync(artifact)));
  // As in a build, the client's bytes go through the stdio transport: here its "stdin" and
  // "stdout" are one socket to the in-process server instead of BuildKit's pipes.
  const toServer = connect(server.socketPath);
  const pipe = await pipeStdioToSocket(toServer, toServer);
  // As main.ts: Ping for the caps (Inputs beside it), then the build and its Return.
  const client = new BridgeClient(pipe.target);
  try {
    const { caps, inputs } = await greet(client, true);
    await serve(client, new GatewayClient(client, { ...OPTS, caps }, inputs));
  } catch {
    // A failed gate or anything else: the code ran, which is all the warm-up is for.
  } finally {
    client.close();
    pipe.close();
    toServer.destroy();
    await server.stop();
  }
  return server.served;
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

/** Every method answers from the manifest and the artifact. */
function cannedAnswers(artifact: Uint8Array): Record<BridgeMethod, BridgeHandler> {
  const files: Record<string, Uint8Array> = {
    "scratchkit.yaml": new TextEncoder().encode(MANIFEST),
    app: artifact,
  };
  const file = (path: unknown) => {
    const data = files[String(path).replace(/^\/+/, "")];
    if (!data)
      throw { code: grpc.status.UNKNOWN, details: `open ${String(path)}: no such file or directory` };
    return data;
  };
  return {
    Ping: () => ALL_CAPS,
    Inputs: () => ({}),
    Solve: () => ({ result: { ref: { id: "warm-up" } } }),
    ReadFile: (req) => {
      const data = file(req.FilePath);
      const range = req.Range as { Offset: number; Length: number } | null;
      return { Data: range ? data.subarray(range.Offset, range.Offset + range.Length) : data };
    },
    ReadDir: () => ({ entries: [stat("app", artifact.length)] }),
    StatFile: (req) => ({ stat: stat(String(req.Path), file(req.Path).length) }),
    ResolveImageConfig: () => ({
      Digest: `sha256:${"0".repeat(64)}`,
      Config: new TextEncoder().encode(JSON.stringify({ config: { Env: ["PATH=/usr/bin:/bin"] } })),
    }),
    Evaluate: () => ({}),
    Warn: () => ({}),
    Return: () => ({}),
  };
}

function stat(path: string, size: number) {
  return fsutil.types.Stat.create({ path, mode: REGULAR_0755, size });
}
