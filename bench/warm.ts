// 2. Warm rebuild (nothing changed): scratchkit vs the Dockerfile, against the floor (a gateway
// frontend that only starts Node, pings and returns) and, when given, another Dockerfile
// frontend image (SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND, used through `# syntax=`).
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { helloContext } from "./fixtures.js";
import {
  docker,
  madeImages,
  mustBuild,
  NODE_RUNTIME,
  ranSteps,
  round,
  type Section,
  tempDir,
  writeFiles,
} from "./lib.js";
import { interleave, type Variant } from "./pair.js";

export const FLOOR_IMAGE = "scratchkit-bench/floor-frontend:latest";
export const OTHER_FRONTEND_TARGET = 0.8;
/** `npm run bench` runs from the repository root. */
const ROOT = process.cwd();

/** Bundles bench/floor-frontend.ts and builds it into FLOOR_IMAGE. */
export async function buildFloorImage(): Promise<void> {
  const dir = tempDir("floor-image");
  await esbuild({
    entryPoints: [join(ROOT, "bench", "floor-frontend.ts")],
    outfile: join(dir, "floor.cjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    logLevel: "warning",
  });
  writeFiles(dir, {
    Dockerfile: `FROM ${NODE_RUNTIME}\nCOPY floor.cjs /floor.cjs\nENTRYPOINT ["node", "/floor.cjs"]\n`,
  });
  docker(["buildx", "build", "-q", "-t", FLOOR_IMAGE, dir]);
  madeImages.add(FLOOR_IMAGE);
}

export async function warm(): Promise<Section> {
  const other = process.env.SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND?.trim() || undefined;
  await buildFloorImage();
  const ctx = helloContext("warm", other);
  writeFiles(ctx, { "floor.yaml": `# syntax=${FLOOR_IMAGE}\n` });
  const variants: Variant[] = [
    { name: "scratchkit", context: ctx, options: { file: "scratchkit.yaml", expectFrontendDone: true } },
    { name: "dockerfile", context: ctx, options: { file: "Dockerfile" } },
    { name: "floor", context: ctx, options: { file: "floor.yaml", expectFrontendDone: true } },
  ];
  if (other) variants.push({ name: "other", context: ctx, options: { file: "Dockerfile.syntax" } });
  // Prime every cache once (not timed).
  for (const v of variants) mustBuild(v.context, v.options);
  const timed = interleave(variants);
  const get = (n: string) => timed.find((t) => t.name === n);
  const sk = get("scratchkit");
  const df = get("dockerfile");
  const fl = get("floor");
  if (!sk || !df || !fl) throw new Error("unreachable");
  const uncached = sk.builds.map((b) => ranSteps(b).own).filter((s) => s.length > 0);
  const rows: Section["rows"] = [
    { section: "warm", metric: "scratchkit median", value: sk.median, unit: "ms" },
    { section: "warm", metric: "dockerfile median", value: df.median, unit: "ms" },
    { section: "warm", metric: "floor (Node gateway frontend, ping+return)", value: fl.median, unit: "ms" },
    { section: "warm", metric: "ratio scratchkit/dockerfile", value: round(sk.median / df.median, 3) },
    { section: "warm", metric: "ratio scratchkit/floor", value: round(sk.median / fl.median, 3) },
    {
      section: "warm",
      metric: "scratchkit above floor",
      value: round(sk.median - fl.median),
      unit: "ms",
    },
  ];
  const o = other ? get("other") : undefined;
  if (o) {
    const r = round(sk.median / o.median, 3);
    rows.push(
      { section: "warm", metric: `other frontend median (${other})`, value: o.median, unit: "ms" },
      {
        section: "warm",
        metric: "ratio scratchkit/other frontend",
        value: r,
        target: `<= ${OTHER_FRONTEND_TARGET}`,
        met: r <= OTHER_FRONTEND_TARGET,
      },
    );
  } else {
    rows.push({
      section: "warm",
      metric: "other Dockerfile frontend",
      value: "not measured",
      note: "set SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND=<image> (none is available offline here)",
    });
  }
  if (uncached.length) {
    rows.push({
      section: "warm",
      metric: "scratchkit steps re-run on a warm rebuild",
      value: uncached.flat().join("; "),
    });
  }
  return {
    rows,
    details: Object.fromEntries(timed.map((t) => [`${t.name}Ms`, t.ms])),
    builds: Object.fromEntries(timed.map((t) => [t.name, t.builds])),
  };
}
