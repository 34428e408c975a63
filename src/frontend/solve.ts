import { BridgeCallError } from "../gateway/client.js";
import { Code } from "../gateway/errors.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import type { Marshalled, SourceMap } from "../llb/index.js";
import type { Span } from "../manifest/types.js";
import type { BuildStep } from "../plan/types.js";
import { attachStepSource } from "./step-source.js";

/** Solves our own graph; a failing step's error gets its manifest lines attached. */
export async function solveMarshalled(
  client: FrontendClient,
  def: Marshalled,
  at: { source: SourceMap; steps: BuildStep[]; baseImage?: Span },
  evaluate = false,
): Promise<Ref> {
  try {
    return await client.solve(def.definition, { evaluate });
  } catch (err) {
    if (err instanceof BridgeCallError) attachStepSource(err, def, at.steps, at.source, at.baseImage);
    throw err;
  }
}

/** A missing file or directory, as opposed to a build failure surfacing through a read. */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof BridgeCallError)) return false;
  return err.code === Code.NotFound || /no such file or directory|not found/i.test(err.status.message);
}
