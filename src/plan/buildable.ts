import { normalizeImageRef } from "../llb/reference.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Span } from "../manifest/types.js";
import { PlanError } from "./plan.js";
import type { BuildStep } from "./types.js";

/**
 * What the LLB builder would refuse with an internal error, refused here at the manifest's
 * line instead: a build image reference it cannot parse, and two mounts at one path in one
 * command (the context, /out, caches and secrets). Pure.
 */
export function checkBuildable(plan: {
  baseImage: string;
  imageSpan: Span;
  workdir: string;
  steps: Omit<BuildStep, "name">[];
}): void {
  try {
    normalizeImageRef(plan.baseImage);
  } catch (err) {
    throw new PlanError(`build.image: ${err instanceof Error ? err.message : String(err)}`, plan.imageSpan);
  }
  for (const step of plan.steps) {
    if (step.kind !== "run") continue;
    const seen = new Map<string, string>([["/", "the build image's root"]]);
    const mounts: Array<[string, string]> = [
      [plan.workdir, "the build context (build.workdir)"],
      [OUTPUT_DIR, "the output directory"],
      ...step.cache.map((c): [string, string] => [c.path, `cache ${c.path}`]),
      ...step.secrets.map((s): [string, string] => [s.target, `secret ${s.id}`]),
    ];
    for (const [dest, what] of mounts) {
      const other = seen.get(dest);
      if (other)
        throw new PlanError(`${what} and ${other} are both mounted at ${dest} for this command`, step.span);
      seen.set(dest, what);
    }
  }
}
