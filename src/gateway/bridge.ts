// Wires the stdio transport to a BridgeClient: the one call a frontend's main needs.
import { log } from "../log.js";
import { capsFromPong, type ServerCaps } from "./caps.js";
import { BridgeClient } from "./client.js";
import { connectStdio, type StdioPipe } from "./transport.js";

export interface Bridge {
  client: BridgeClient;
  caps: ServerCaps;
  pipe: StdioPipe;
  /** Closes the gRPC channel and the pipe. Call after Return, before exiting. */
  close(): void;
}

/** Connects to BuildKit over stdin/stdout and pings it for its caps. */
export async function openBridge(): Promise<Bridge> {
  const pipe = await connectStdio();
  const client = new BridgeClient(pipe.target);
  try {
    const caps = capsFromPong(await client.ping());
    log.debug(
      { frontendCaps: caps.frontend.enabled().length, llbCaps: caps.llb.enabled().length },
      "bridge ready",
    );
    return {
      client,
      caps,
      pipe,
      close() {
        client.close();
        pipe.close();
      },
    };
  } catch (err) {
    client.close();
    pipe.close();
    throw err;
  }
}
