// Interleaved timing (A B A B ...): machines here are noisy and shared, so every figure that
// matters is a ratio of medians taken in the same run.
import { type Build, type BuildOptions, median, mustBuild, RUNS, round } from "./lib.js";

export interface Variant {
  name: string;
  context: string;
  options: BuildOptions;
  /** Runs before each timed build (not timed). */
  prepare?: () => void;
}

export interface Timed {
  name: string;
  ms: number[];
  median: number;
  builds: Build[];
}

export function interleave(variants: Variant[], runs = RUNS): Timed[] {
  const out = variants.map((v) => ({ name: v.name, ms: [] as number[], median: 0, builds: [] as Build[] }));
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither side always follows the other's cache warm-up.
    const order = i % 2 === 0 ? variants.map((_, k) => k) : variants.map((_, k) => k).reverse();
    for (const k of order) {
      const v = variants[k] as Variant;
      v.prepare?.();
      const b = mustBuild(v.context, v.options);
      const slot = out[k] as Timed;
      slot.ms.push(round(b.ms));
      slot.builds.push(b);
    }
  }
  for (const o of out) o.median = round(median(o.ms));
  return out;
}

/**
 * `a` minus `b` round by round (both from one interleave): the median and the middle half of
 * those differences, so a figure of a few ms shows how far the machine's noise reaches.
 */
export function roundDiffs(a: Timed, b: Timed): string {
  const d = a.ms.map((x, i) => x - (b.ms[i] ?? Number.NaN)).filter(Number.isFinite);
  if (!d.length) return "no rounds";
  const s = [...d].sort((x, y) => x - y);
  const at = (q: number) => s[Math.round(q * (s.length - 1))] as number;
  return `round by round: median ${round(median(d))} ms, middle half ${at(0.25)}..${at(0.75)} ms`;
}
