// LLBBridge's methods and their message codecs, declared once: the client (client.ts) calls
// them, and in-process servers (the code-cache warm-up, the unit tests' fake bridge) serve them.
import type * as grpc from "@grpc/grpc-js";
import { moby } from "../gen/proto.js";

const fe = moby.buildkit.v1.frontend;

export const LLB_BRIDGE_SERVICE = "moby.buildkit.v1.frontend.LLBBridge";

export interface Codec<T, D> {
  encode(message: T): { finish(): Uint8Array };
  decode(data: Uint8Array): D;
}

/** Request and response codecs of each method this frontend calls. */
export const BRIDGE_METHODS = {
  Ping: [fe.PingRequest, fe.PongResponse],
  Solve: [fe.SolveRequest, fe.SolveResponse],
  ReadFile: [fe.ReadFileRequest, fe.ReadFileResponse],
  ReadDir: [fe.ReadDirRequest, fe.ReadDirResponse],
  StatFile: [fe.StatFileRequest, fe.StatFileResponse],
  ResolveImageConfig: [fe.ResolveImageConfigRequest, fe.ResolveImageConfigResponse],
  Inputs: [fe.InputsRequest, fe.InputsResponse],
  Evaluate: [fe.EvaluateRequest, fe.EvaluateResponse],
  Warn: [fe.WarnRequest, fe.WarnResponse],
  Return: [fe.ReturnRequest, fe.ReturnResponse],
} as const;

export type BridgeMethod = keyof typeof BRIDGE_METHODS;
/** What a method's request codec encodes. */
export type RequestOf<M extends BridgeMethod> = Parameters<(typeof BRIDGE_METHODS)[M][0]["encode"]>[0];
/** What a method's response codec decodes to. */
export type ResponseOf<M extends BridgeMethod> = ReturnType<(typeof BRIDGE_METHODS)[M][1]["decode"]>;

export function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The grpc-js service definition of BRIDGE_METHODS, for a server. */
export function bridgeServiceDefinition(): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [name, [req, res]] of Object.entries(BRIDGE_METHODS) as [
    string,
    readonly [Codec<object, unknown>, Codec<object, unknown>],
  ][]) {
    definition[name] = {
      path: `/${LLB_BRIDGE_SERVICE}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: object) => toBuffer(req.encode(m).finish()),
      requestDeserialize: (b: Buffer) => req.decode(b) as object,
      responseSerialize: (m: object) => toBuffer(res.encode(m).finish()),
      responseDeserialize: (b: Buffer) => res.decode(b) as object,
    };
  }
  return definition;
}
