// 2. Warm rebuild (nothing changed): scratchkit vs the engine's built-in Dockerfile frontend,
// the official Dockerfile frontend image through `# syntax=` (./official-frontend.ts) and the
// floor (a gateway frontend that only starts Node, pings and returns).
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { helloContext, helloManifest } from "./fixtures.js";
import {
  benchImage,
  COMPARE,
  docker,
  ensureBenchFrontend,
  FRONTEND,
  madeImages,
  mustBuild,
  NODE_RUNTIME,
  ranSteps,
  round,
  type Section,
  tempDir,
  writeFiles,
} from "./lib.js";
import { officialFrontend } from "./official-frontend.js";
import { interleave, type Variant } from "./pair.js";

export const FLOOR_IMAGE = benchImage("floor-frontend");
/** Issue 13: warm rebuild at most 1.35x the official frontend image (moonshot 1.0). */
export const OFFICIAL_TARGET = 1.35;
/** Issue 13: scratchkit's own work above the Node floor. */
export const ABOVE_FLOOR_TARGET = 25;
/** `npm run bench` runs from the repository root. */
const ROOT = process.cwd();

/**
 * Bundles bench/floor-frontend.ts and builds it into FLOOR_IMAGE, started as the frontend image
 * starts its bundle (scripts/frontend-start.cjs and a code cache) and with the frontend image's
 * `moby.buildkit.frontend.*` labels (network.none changes how BuildKit starts the container).
 */
export async function buildFloorImage(): Promise<void> {
  const dir = tempDir("floor-image");
  await esbuild({
    entryPoints: [join(ROOT, "bench", "floor-frontend.ts")],
    outfile: join(dir, "frontend.cjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    logLevel: "warning",
  });
  copyFileSync(join(ROOT, "scripts", "frontend-start.cjs"), join(dir, "frontend-start.cjs"));
  const labels = Object.entries(frontendLabels())
    .filter(([k]) => k.startsWith("moby.buildkit.frontend.") && k !== "moby.buildkit.frontend.caps")
    .map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}\n`)
    .join("");
  writeFiles(dir, {
    Dockerfile:
      `FROM ${NODE_RUNTIME}\nCOPY frontend.cjs frontend-start.cjs /app/\n` +
      `RUN ["node", "/app/frontend-start.cjs", "--make-code-cache"]\n${labels}` +
      `ENTRYPOINT ["node", "/app/frontend-start.cjs"]\n`,
  });
  docker(["buildx", "build", "-q", "-t", FLOOR_IMAGE, dir]);
  madeImages.add(FLOOR_IMAGE);
}

/** The frontend image's labels (null in Docker's JSON when it has none). */
function frontendLabels(): Record<string, string> {
  const out = docker(["image", "inspect", "--format", "{{json .Config.Labels}}", FRONTEND]);
  return (JSON.parse(out) as Record<string, string> | null) ?? {};
}

/** The variant name of SCRATCHKIT_BENCH_COMPARE's i-th image (the profile shows it too). */
export function compareName(i: number): string {
  return `compare${i}`;
}

export async function warm(): Promise<Section> {
  const official = officialFrontend();
  await buildFloorImage();
  const ctx = helloContext("warm", official?.image);
  writeFiles(ctx, { "floor.yaml": `# syntax=${FLOOR_IMAGE}\n` });
  const variants: Variant[] = [
    { name: "scratchkit", context: ctx, options: { file: "scratchkit.yaml", expectFrontendDone: true } },
    { name: "dockerfile", context: ctx, options: { file: "Dockerfile" } },
    { name: "floor", context: ctx, options: { file: "floor.yaml", expectFrontendDone: true } },
  ];
  if (official) variants.push({ name: "official", context: ctx, options: { file: "Dockerfile.syntax" } });
  // Other builds of the frontend (SCRATCHKIT_BENCH_COMPARE): the same manifest through their debug copies.
  COMPARE.forEach((image, i) => {
    const debug = ensureBenchFrontend(image, benchImage(`frontend-compare${i}`));
    writeFiles(ctx, { [`compare${i}.yaml`]: helloManifest().replace(/^# syntax=.*$/m, `# syntax=${debug}`) });
    variants.push({
      name: compareName(i),
      context: ctx,
      options: { file: `compare${i}.yaml`, expectFrontendDone: true },
    });
  });
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
      target: `<= ${ABOVE_FLOOR_TARGET}`,
      met: sk.median - fl.median <= ABOVE_FLOOR_TARGET,
    },
    {
      section: "warm",
      metric: "floor above built-in dockerfile",
      value: round(fl.median - df.median),
      unit: "ms",
    },
  ];
  const o = official ? get("official") : undefined;
  if (o && official) {
    const r = round(sk.median / o.median, 3);
    rows.push(
      {
        section: "warm",
        metric: "official frontend image median",
        value: o.median,
        unit: "ms",
        note: official.origin,
      },
      {
        section: "warm",
        metric: "ratio scratchkit/official",
        value: r,
        target: `<= ${OFFICIAL_TARGET}`,
        met: r <= OFFICIAL_TARGET,
      },
      { section: "warm", metric: "ratio official/dockerfile", value: round(o.median / df.median, 3) },
      // The same work (read the build file, resolve, solve, export) done by the Go frontend: what
      // "above floor" costs a frontend that starts in a few ms instead of Node's floor.
      {
        section: "warm",
        metric: "official frontend image above floor",
        value: round(o.median - fl.median),
        unit: "ms",
      },
    );
  } else {
    rows.push({
      section: "warm",
      metric: "official Dockerfile frontend image",
      value: "not measured",
      note: "set SCRATCHKIT_BUILDKIT_DIR (a directory with dockerfile-frontend.xz) or SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND=<image>",
    });
  }
  COMPARE.forEach((image, i) => {
    const c = get(compareName(i));
    if (!c) return;
    rows.push(
      {
        section: "warm",
        metric: `${image} median`,
        value: c.median,
        unit: "ms",
        note: "SCRATCHKIT_BENCH_COMPARE",
      },
      { section: "warm", metric: `${image} above floor`, value: round(c.median - fl.median), unit: "ms" },
      { section: "warm", metric: `ratio scratchkit/${image}`, value: round(sk.median / c.median, 3) },
      ...(o
        ? [{ section: "warm", metric: `ratio ${image}/official`, value: round(c.median / o.median, 3) }]
        : []),
    );
  });
  if (uncached.length) {
    rows.push({
      section: "warm",
      metric: "scratchkit steps re-run on a warm rebuild",
      value: uncached.flat().join("; "),
    });
  }
  return {
    rows,
    details: {
      ...Object.fromEntries(timed.map((t) => [`${t.name}Ms`, t.ms])),
      medians: Object.fromEntries(timed.map((t) => [t.name, t.median])),
    },
    builds: Object.fromEntries(timed.map((t) => [t.name, t.builds])),
  };
}
