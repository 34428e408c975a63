import { marshal } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import { type PlanOptions, planBuild } from "../plan/plan.js";
import { assembleBuild, type ContextOptions } from "./assemble.js";

/**
 * The image definition a manifest becomes, without a BuildKit session: for `scratchkit llb`
 * and the LLB-level tests (e.g. of the Alpine default, whose mirror is not always reachable).
 * Assembled by the frontend's own assembleBuild, so given the options the frontend resolves
 * (base env and digest, session) it is the definition the frontend sends, byte for byte.
 */
export function manifestDefinition(
  m: Manifest,
  opts: PlanOptions,
  context: ContextOptions = { dockerignore: "" },
) {
  const plan = planBuild(m, opts);
  const { image } = assembleBuild(m, plan, context);
  return { plan, ...marshal(image, { platform: opts.platform }) };
}
