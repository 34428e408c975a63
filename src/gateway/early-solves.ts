// Lazy Solves sent before the build asks for them (with Ping), and claimed by the build's own
// Solve of the very same definition: the bytes must match, so the build gets exactly the
// result it would have asked for.
import { pb } from "../gen/proto.js";
import type { Marshalled } from "../llb/index.js";
import type { BridgeClient } from "./client.js";

/** Ref ids on their way (undefined: that Solve failed), by the hex of the definition's bytes. */
export type EarlySolves = Map<string, Promise<string | undefined>>;

/** Sends each definition's Solve now. A failure is kept quiet: the build's own Solve then asks again and reports it. */
export function earlySolves(client: BridgeClient, defs: Marshalled[]): EarlySolves {
  const sent: EarlySolves = new Map();
  for (const d of defs) {
    const id = client.solve({ Definition: d.definition }).then(
      (res) => res.ref?.id || undefined,
      () => undefined,
    );
    sent.set(Buffer.from(d.bytes).toString("hex"), id);
  }
  return sent;
}

/** The early Solve of `definition`, taken out of `sent` (each is claimed once); undefined when none was sent. */
export function claimEarlySolve(
  sent: EarlySolves,
  definition: pb.Definition.$Properties,
): Promise<string | undefined> | undefined {
  if (sent.size === 0) return undefined;
  const key = Buffer.from(pb.Definition.encode(definition).finish()).toString("hex");
  const id = sent.get(key);
  sent.delete(key);
  return id;
}
