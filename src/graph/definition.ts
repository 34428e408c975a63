import { local, marshal } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import { planBuild } from "../plan/plan.js";
import type { Platform } from "../plan/types.js";
import { buildGraph } from "./build-graph.js";

/**
 * The LLB a manifest becomes, without a BuildKit session: for `scratchkit llb` and the
 * LLB-level tests (e.g. of the Alpine default, whose mirror is not always reachable).
 */
export function manifestDefinition(m: Manifest, platform: Platform) {
  const plan = planBuild(m, { platform });
  const graph = buildGraph(plan, {
    context: local("context", { sharedKeyHint: "context", name: "[internal] load build context" }),
    source: { filename: m.filename, data: new TextEncoder().encode(m.source), language: "YAML" },
  });
  return marshal(graph.image, { platform });
}
