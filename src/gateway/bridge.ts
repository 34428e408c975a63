// Wires the stdio transport to a BridgeClient: the one call a frontend's main needs.
import { log } from "../log.js";
import { capsFromPong, type ServerCaps } from "./caps.js";
import { BridgeClient, type Definition } from "./client.js";
import { connectStdio, type StdioPipe } from "./transport.js";

export interface Bridge extends Greeting {
  client: BridgeClient;
  pipe: StdioPipe;
  /** Closes the gRPC channel and the pipe. Call after Return, before exiting. */
  close(): void;
}

/** What the first exchange brings: the server's caps, and the frontend inputs when asked for. */
export interface Greeting {
  caps: ServerCaps;
  /**
   * The Inputs answer, asked for beside Ping rather than after it (one round trip less before
   * the build reads its manifest); undefined when the server did not answer it. Whether to use
   * it is still up to the caps (GatewayClient.inputs).
   */
  inputs?: Promise<Record<string, Definition> | undefined>;
}

/** Pings for the caps; with `withInputs`, Inputs goes out right behind Ping, in the same flight. */
export async function greet(client: BridgeClient, withInputs = false): Promise<Greeting> {
  const pong = client.ping();
  if (!withInputs) return { caps: capsFromPong(await pong) };
  // A failed call (e.g. Unimplemented on an old server) leaves it undefined: GatewayClient.inputs
  // then asks again, behind its cap check, as before.
  const inputs = client.inputs().then(
    (i) => i,
    () => undefined,
  );
  return { caps: capsFromPong(await pong), inputs };
}

/**
 * Connects to BuildKit over stdin/stdout and pings it for its caps (and asks for the frontend
 * inputs with the Ping, when `withInputs`).
 */
export async function openBridge(withInputs = false): Promise<Bridge> {
  const pipe = await connectStdio();
  const client = new BridgeClient(pipe.target);
  try {
    const greeting = await greet(client, withInputs);
    const { caps } = greeting;
    log.debug(
      { frontendCaps: caps.frontend.enabled().length, llbCaps: caps.llb.enabled().length },
      "bridge ready",
    );
    return {
      client,
      ...greeting,
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
