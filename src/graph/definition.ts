import { marshal } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import { type PlanOptions, planBuild } from "../plan/plan.js";
import { buildGraph } from "./build-graph.js";
import { contextSource } from "./context.js";

/**
 * The LLB a manifest becomes, without a BuildKit session: for `scratchkit llb` and the
 * LLB-level tests (e.g. of the Alpine default, whose mirror is not always reachable).
 */
export function manifestDefinition(m: Manifest, opts: PlanOptions) {
  const plan = planBuild(m, opts);
  const graph = buildGraph(plan, {
    context: contextSource("context", { include: plan.contextInclude, exclude: plan.contextExclude }),
    source: { filename: m.filename, data: new TextEncoder().encode(m.source), language: "YAML" },
  });
  return { plan, ...marshal(graph.image, { platform: opts.platform }) };
}
