// The manifest fuzzer in CI: random (schema-shaped) and mutated (from valid seeds) manifests
// through parse → plan → LLB → image config → lint, with test/fuzz/manifest-pipeline.ts's
// invariants. FUZZ_CASES and FUZZ_SEED override the count and the seed; a failure prints the
// shrunk input and the seed. `npm run fuzz:manifest` runs 100k cases with a fresh seed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { manifestCase, seeds } from "../fuzz/manifest-arbitraries.js";
import { runCase } from "../fuzz/manifest-pipeline.js";
import { checkCase } from "../fuzz/manifest-run.js";

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);

describe("manifest fuzzer", () => {
  it("starts from seeds that all build", () => {
    expect(seeds().length).toBeGreaterThanOrEqual(8);
    for (const text of seeds()) expect(runCase(text), text).toBe("built");
  });

  it(`runs ${CASES} manifests: only located errors, no unsafe path in the LLB, valid derived names, each < 1 s`, () => {
    let built = 0;
    fc.assert(
      fc.property(manifestCase, (c) => {
        if (checkCase(c).outcome === "built") built++;
      }),
      { numRuns: CASES, seed: SEED },
    );
    // The generators must keep reaching the later stages, or the fuzzer tests only the parser.
    expect(built).toBeGreaterThan(CASES / 20);
  }, 600_000);
});
