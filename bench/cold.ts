// 1. Cold build (--no-cache) of hello: scratchkit vs the seed-style multi-stage Dockerfile, through
// the engine's built-in frontend and (when available) the official frontend image.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { helloContext } from "./fixtures.js";
import { mustBuild, ranSteps, round, type Section } from "./lib.js";
import { officialFrontend } from "./official-frontend.js";
import { interleave, type Variant } from "./pair.js";

export const COLD_TARGET = 1.05;

export function cold(): Section {
  const official = officialFrontend();
  const ctx = helloContext("cold", official?.image);
  // Does the frontend honour --no-cache? Two --no-cache builds of an unchanged context.
  const opts = { file: "scratchkit.yaml", noCache: true, expectFrontendDone: true };
  mustBuild(ctx, opts);
  const honoured = ranSteps(mustBuild(ctx, opts)).own.some((n) => n.includes("musl-gcc"));
  // Cold either way: a fresh file in the context invalidates the compile step (the Dockerfile
  // copies hello.c only, and honours --no-cache itself).
  const nonce = () => writeFileSync(join(ctx, ".bench-nonce"), `${Date.now()} ${Math.random()}\n`);
  const variants: Variant[] = [
    { name: "scratchkit", context: ctx, options: opts, ...(honoured ? {} : { prepare: nonce }) },
    { name: "dockerfile", context: ctx, options: { file: "Dockerfile", noCache: true } },
  ];
  if (official) {
    // Warm the official frontend image's own load once: --no-cache is about the build, not it.
    mustBuild(ctx, { file: "Dockerfile.syntax" });
    variants.push({ name: "official", context: ctx, options: { file: "Dockerfile.syntax", noCache: true } });
  }
  const [sk, df, of] = interleave(variants);
  if (!sk || !df) throw new Error("unreachable");
  const ratio = round(sk.median / df.median, 3);
  const compileRan = sk.builds.every((b) => ranSteps(b).own.some((n) => n.includes("musl-gcc")));
  return {
    rows: [
      { section: "cold", metric: "scratchkit median", value: sk.median, unit: "ms" },
      { section: "cold", metric: "dockerfile median", value: df.median, unit: "ms" },
      {
        section: "cold",
        metric: "ratio scratchkit/dockerfile",
        value: ratio,
        target: `<= ${COLD_TARGET}`,
        met: ratio <= COLD_TARGET,
        ...(compileRan ? {} : { note: "the compile step was cached in a timed run: not a cold figure" }),
      },
      ...(of
        ? [
            { section: "cold", metric: "official frontend image median", value: of.median, unit: "ms" },
            { section: "cold", metric: "ratio scratchkit/official", value: round(sk.median / of.median, 3) },
          ]
        : []),
      {
        section: "cold",
        metric: "scratchkit honours --no-cache",
        value: honoured ? "yes" : "no",
        target: "yes",
        met: honoured,
        ...(honoured
          ? {}
          : {
              note: "frontend opt no-cache is ignored; the bench forced cold compiles by changing the context",
            }),
      },
    ],
    details: {
      scratchkitMs: sk.ms,
      dockerfileMs: df.ms,
      ...(of ? { officialMs: of.ms } : {}),
      medians: { scratchkit: sk.median, dockerfile: df.median, ...(of ? { official: of.median } : {}) },
      compileRanEveryTime: compileRan,
      noCacheHonoured: honoured,
    },
    builds: { scratchkit: sk.builds, dockerfile: df.builds, ...(of ? { official: of.builds } : {}) },
  };
}
