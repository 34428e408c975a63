import { ET_DYN, ET_EXEC } from "./constants.js";
import type { DynamicInfo } from "./dynamic.js";
import type { Verdict } from "./types.js";

export interface LinkFacts {
  type: number; // e_type, ET_EXEC or ET_DYN (others are rejected earlier)
  machine: string;
  interpreter: string | undefined;
  /** undefined = no PT_DYNAMIC */
  dynamic: DynamicInfo | undefined;
}

/**
 * Linkage rule. What the kernel does decides it: with PT_INTERP it starts the loader (dynamic);
 * without one it jumps to e_entry, so the file runs alone unless it expects libraries (DT_NEEDED)
 * that nobody will load.
 *
 * - PT_INTERP                                    → dynamic (PIE or not; even with no DT_NEEDED the loader must exist)
 * - no PT_INTERP, DT_NEEDED, ET_EXEC or DF_1_PIE → dynamic without interpreter (cannot run)
 * - no PT_INTERP, DT_NEEDED, ET_DYN              → shared-library
 * - ET_EXEC, no PT_INTERP, no DT_NEEDED          → static (a PT_DYNAMIC there is ignored by the kernel)
 * - ET_DYN, no PT_INTERP, no DT_NEEDED:
 *     DF_1_PIE, or DT_DEBUG (linkers add it to executables only), or no PT_DYNAMIC → static-pie
 *     DT_SONAME, or none of the executable hints                                  → shared-library
 */
export function classify(f: LinkFacts): Verdict {
  const needed = f.dynamic?.needed ?? [];
  const machine = f.machine;
  if (f.interpreter !== undefined) {
    return { kind: "dynamic", interpreter: f.interpreter, needed, machine };
  }
  if (needed.length > 0) {
    if (f.type === ET_EXEC || f.dynamic?.pie) return { kind: "dynamic", needed, machine };
    return { kind: "shared-library", needed, machine };
  }
  if (f.type === ET_EXEC) return { kind: "static", machine, pie: false };
  if (f.type === ET_DYN) {
    const d = f.dynamic;
    if (d === undefined || d.pie || (d.hasDebug && d.soname === undefined))
      return { kind: "static-pie", machine };
    return { kind: "shared-library", needed, machine };
  }
  return { kind: "invalid", reason: `not an executable (e_type ${f.type})` };
}
