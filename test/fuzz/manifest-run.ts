// Runs the manifest fuzzer for a number of cases and a seed, collecting every finding by class
// (with the shortest input of each class) instead of stopping at the first, plus the slowest
// input: what `npm run fuzz:manifest` prints. The vitest test uses fc.assert for shrinking.
import fc from "fast-check";
import { type FuzzCase, manifestCase } from "./manifest-arbitraries.js";
import { FuzzFinding, type Outcome, runCase } from "./manifest-pipeline.js";

/** A case slower than this is a finding. */
export const CASE_LIMIT_MS = 1000;

export interface FindingClass {
  kind: string;
  count: number;
  /** The shortest input of this class, and what broke. */
  example: FuzzCase;
  detail: string;
}

export interface FuzzStats {
  seed: number;
  cases: number;
  built: number;
  rejected: number;
  failures: number;
  classes: FindingClass[];
  /** The case that took the longest (wall clock), and its CPU time when run again. */
  slowest: { ms: number; cpuMs?: number; case: FuzzCase | undefined };
  ms: number;
}

/**
 * Runs one case under the time limit; throws FuzzFinding. The limit is on this process's CPU
 * time, not the wall clock, which other processes stretch on a shared CI machine: a case over
 * the limit by the wall clock runs again, timed by CPU (process.cpuUsage costs ~0.4 ms a call,
 * too much to pay on every case).
 */
export function checkCase(c: FuzzCase): { outcome: Outcome; ms: number } {
  const t0 = performance.now();
  const outcome = runCase(c.text, c.opts);
  const ms = performance.now() - t0;
  if (ms > CASE_LIMIT_MS) {
    const cpu = cpuMs(c);
    if (cpu > CASE_LIMIT_MS) throw new FuzzFinding("slower than 1 s", `${cpu.toFixed(0)} ms of CPU`);
  }
  return { outcome, ms };
}

/** The CPU time one case takes. */
export function cpuMs(c: FuzzCase): number {
  const t0 = process.cpuUsage();
  try {
    runCase(c.text, c.opts);
  } catch {
    // Timing only: the caller reports failures.
  }
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / 1000;
}

export function fuzzManifests(
  count: number,
  seed: number,
  progress?: (done: number, stats: FuzzStats) => void,
): FuzzStats {
  const stats: FuzzStats = {
    seed,
    cases: 0,
    built: 0,
    rejected: 0,
    failures: 0,
    classes: [],
    slowest: { ms: 0, case: undefined },
    ms: 0,
  };
  const byKind = new Map<string, FindingClass>();
  const t0 = performance.now();
  fc.check(
    fc.property(manifestCase, (c) => {
      stats.cases++;
      const t = performance.now();
      try {
        const { outcome } = checkCase(c);
        if (outcome === "built") stats.built++;
        else stats.rejected++;
      } catch (err) {
        stats.failures++;
        const f = err instanceof FuzzFinding ? err : new FuzzFinding(`harness: ${String(err)}`, String(err));
        const seen = byKind.get(f.kind);
        if (!seen) byKind.set(f.kind, { kind: f.kind, count: 1, example: c, detail: f.detail });
        else {
          seen.count++;
          if (c.text.length < seen.example.text.length) {
            seen.example = c;
            seen.detail = f.detail;
          }
        }
      }
      const ms = performance.now() - t;
      if (ms > stats.slowest.ms) stats.slowest = { ms, case: c };
      if (progress && stats.cases % 10_000 === 0) progress(stats.cases, stats);
      return true;
    }),
    { numRuns: count, seed },
  );
  stats.ms = performance.now() - t0;
  // The slowest by the wall clock, timed again by CPU (what the limit is about).
  if (stats.slowest.case) stats.slowest.cpuMs = cpuMs(stats.slowest.case);
  stats.classes = [...byKind.values()].sort((a, b) => b.count - a.count);
  return stats;
}
