import { BridgeCallError, type BridgeClient, type Definition } from "../gateway/client.js";
import { Code, FrontendError } from "../gateway/errors.js";
import type { Marshalled, SourceMap } from "../llb/index.js";
import type { Span } from "../manifest/types.js";
import type { BuildStep } from "../plan/types.js";
import { attachStepSource } from "./step-source.js";

/** Solves a definition and returns its result's ref; `evaluate` builds it now rather than lazily. */
export async function solveDefinition(
  bridge: BridgeClient,
  definition: Definition | object,
  evaluate = false,
): Promise<string> {
  const res = await bridge.solve({ Definition: definition, ...(evaluate ? { Evaluate: true } : {}) });
  const id = res.ref?.id;
  if (!id) throw new FrontendError("BuildKit returned no result reference", Code.Internal);
  return id;
}

/** Solves our own graph; a failing step's error gets its manifest lines attached. */
export async function solveMarshalled(
  bridge: BridgeClient,
  def: Marshalled,
  at: { source: SourceMap; steps: BuildStep[]; baseImage?: Span },
  evaluate = false,
): Promise<string> {
  try {
    return await solveDefinition(bridge, def.definition, evaluate);
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
