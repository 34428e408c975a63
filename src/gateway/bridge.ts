// Wires the stdio transport to a BridgeClient: the one call a frontend's main needs.

import type { Marshalled } from "../llb/index.js";
import { log } from "../log.js";
import { capsFromPong, type ServerCaps } from "./caps.js";
import { BridgeClient, type Definition } from "./client.js";
import { type EarlySolves, earlySolves } from "./early-solves.js";
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
  /** Lazy Solves sent with Ping (FirstRequests.solve), by their definition's bytes. */
  solves?: EarlySolves;
  /**
   * The Inputs answer, asked for beside Ping rather than after it (one round trip less before
   * the build reads its manifest); undefined when the server did not answer it. Whether to use
   * it is still up to the caps (GatewayClient.inputs).
   */
  inputs?: Promise<Record<string, Definition> | undefined>;
}

/** What goes out right behind Ping, in the same flight. */
export interface FirstRequests {
  inputs?: boolean;
  /** Definitions to Solve lazily (solve.base needs no cap), made once Ping is on its way. */
  solve?: () => Marshalled[];
}

/** Pings for the caps, sending `first` right behind Ping rather than after its answer. */
export async function greet(client: BridgeClient, first: FirstRequests = {}): Promise<Greeting> {
  const pong = client.ping();
  const greeting: Omit<Greeting, "caps"> = {};
  // A failed call (e.g. Unimplemented on an old server) leaves it undefined: GatewayClient.inputs
  // then asks again, behind its cap check, as before.
  if (first.inputs)
    greeting.inputs = client.inputs().then(
      (i) => i,
      () => undefined,
    );
  const defs = first.solve?.() ?? [];
  if (defs.length > 0) greeting.solves = earlySolves(client, defs);
  return { caps: capsFromPong(await pong), ...greeting };
}

/** Connects to BuildKit over stdin/stdout and pings it for its caps, `first` in the same flight. */
export async function openBridge(first: FirstRequests = {}): Promise<Bridge> {
  const pipe = await connectStdio();
  const client = new BridgeClient(pipe.target);
  try {
    const greeting = await greet(client, first);
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
