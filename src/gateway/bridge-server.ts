// An in-process LLBBridge server on a private unix socket, answering from handlers: the
// code-cache warm-ups run the real client stack against it, and the unit tests' fake bridge
// is this server. It records every request, in order and by method.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { BRIDGE_METHODS, bridgeServiceDefinition } from "./bridge-service.js";
import { MAX_MESSAGE_BYTES } from "./client.js";

/** Answers a decoded request with a response (plain object) or throws `{code, details}`. */
export type BridgeHandler = (req: any) => unknown | Promise<unknown>;

export interface BridgeServer {
  /** `unix:<path>`, a grpc-js target. */
  address: string;
  socketPath: string;
  /** Requests received, by method, decoded. */
  calls: Record<string, any[]>;
  /** The methods called, in order. */
  served: string[];
  /** Looked up at each call: a method without one answers UNIMPLEMENTED. */
  handlers: Record<string, BridgeHandler>;
  stop(): Promise<void>;
}

export async function startBridgeServer(handlers: Record<string, BridgeHandler> = {}): Promise<BridgeServer> {
  const dir = mkdtempSync(join(tmpdir(), "scratchkit-bridge-"));
  const socketPath = join(dir, "bridge.sock");
  // BuildKit's server limits, both ways.
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  const bridge: BridgeServer = {
    address: `unix:${socketPath}`,
    socketPath,
    calls: {},
    served: [],
    handlers: { ...handlers },
    stop: async () => {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(BRIDGE_METHODS)) {
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      bridge.served.push(name);
      bridge.calls[name] = [...(bridge.calls[name] ?? []), call.request];
      const h = bridge.handlers[name];
      if (!h) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `bridge server: no handler for ${name}` });
        return;
      }
      Promise.resolve()
        .then(() => h(call.request))
        .then(
          (res) => callback(null, res ?? {}),
          (err: Partial<grpc.ServiceError>) => callback(err),
        );
    };
  }
  server.addService(bridgeServiceDefinition(), impl);
  try {
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(bridge.address, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  } catch (err) {
    await bridge.stop();
    throw err;
  }
  return bridge;
}
