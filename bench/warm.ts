// 2. Warm rebuild (nothing changed): scratchkit vs the engine's built-in Dockerfile frontend,
// the official Dockerfile frontend image through `# syntax=` (./official-frontend.ts) and the
// floors (gateway frontends that only start Node, ping and return: nothing, or the same image,
// or the same image after the reads every manifest-reading frontend makes).
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { helloContext, helloManifest } from "./fixtures.js";
import { FLOOR_RESULT_FILE, type FloorResult, helloFloorResult } from "./floor-result.js";
import {
  type Build,
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
  TOOLCHAIN,
  tempDir,
  writeFiles,
} from "./lib.js";
import { officialFrontend } from "./official-frontend.js";
import { interleave, roundDiffs, type Variant } from "./pair.js";

export const FLOOR_IMAGE = benchImage("floor-frontend");
export const SAME_IMAGE_FLOOR_IMAGE = benchImage("floor-frontend-same-image");
export const READS_FLOOR_IMAGE = benchImage("floor-frontend-reads");
/** Issue 13: warm rebuild at most 1.35x the official frontend image (moonshot 1.0). */
export const OFFICIAL_TARGET = 1.35;
/** Issue 13: scratchkit's own work above the Node floor that returns the same image. */
export const ABOVE_FLOOR_TARGET = 25;
/** The least a Dockerfile build does: no build image to resolve or run, one file copied. */
const MINIMAL_DOCKERFILE = "FROM scratch\nCOPY hello.c /hello.c\n";
/** `npm run bench` runs from the repository root. */
const ROOT = process.cwd();

/**
 * Bundles bench/floor-frontend.ts and builds it into `image`, started as the frontend image
 * starts its bundle (scripts/frontend-start.cjs and a code cache) and with the frontend image's
 * `moby.buildkit.frontend.*` labels (network.none changes how BuildKit starts the container).
 * With `result`, the floor returns that image instead of an empty result.
 */
export async function buildFloorImage(image: string, result?: FloorResult): Promise<void> {
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
  // An empty file for the empty floor: both images have the same layers.
  writeFileSync(join(dir, FLOOR_RESULT_FILE), result ? JSON.stringify(result) : "");
  const labels = Object.entries(frontendLabels())
    .filter(([k]) => k.startsWith("moby.buildkit.frontend.") && k !== "moby.buildkit.frontend.caps")
    .map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}\n`)
    .join("");
  writeFiles(dir, {
    Dockerfile:
      `FROM ${NODE_RUNTIME}\nCOPY frontend.cjs frontend-start.cjs ${FLOOR_RESULT_FILE} /app/\n` +
      `RUN ["node", "/app/frontend-start.cjs", "--make-code-cache"]\n${labels}` +
      `ENTRYPOINT ["node", "/app/frontend-start.cjs"]\n`,
  });
  docker(["buildx", "build", "-q", "-t", image, dir]);
  madeImages.add(image);
}

/** The frontend image's labels (null in Docker's JSON when it has none). */
function frontendLabels(): Record<string, string> {
  const out = docker(["image", "inspect", "--format", "{{json .Config.Labels}}", FRONTEND]);
  return (JSON.parse(out) as Record<string, string> | null) ?? {};
}

/**
 * What a build exported, as far as the image goes: config, layers and platform. Not the image
 * ID: the provenance attestation in the index records each build's own times.
 */
function exported(b: Build | undefined): string {
  if (!b?.imageId) return "nothing";
  const format = "{{json .Config}} {{json .RootFS.Layers}} {{.Os}}/{{.Architecture}}";
  return docker(["image", "inspect", "--format", format, b.imageId]).trim();
}

/** The variant name of SCRATCHKIT_BENCH_COMPARE's i-th image (the profile shows it too). */
export function compareName(i: number): string {
  return `compare${i}`;
}

export async function warm(): Promise<Section> {
  const official = officialFrontend();
  await buildFloorImage(FLOOR_IMAGE);
  const same = helloFloorResult();
  await buildFloorImage(SAME_IMAGE_FLOOR_IMAGE, same);
  await buildFloorImage(READS_FLOOR_IMAGE, { ...same, reads: { image: TOOLCHAIN } });
  const ctx = helloContext("warm", official?.image);
  writeFiles(ctx, {
    "floor.yaml": `# syntax=${FLOOR_IMAGE}\n`,
    "floor-same-image.yaml": `# syntax=${SAME_IMAGE_FLOOR_IMAGE}\n`,
    // Read by the reads floor: the manifest's bytes as scratchkit reads them (its # syntax= aside).
    "floor-reads.yaml": helloManifest().replace(/^# syntax=.*$/m, `# syntax=${READS_FLOOR_IMAGE}`),
    // The least a gateway frontend does: no build image, one file copied (built-in and official).
    "Dockerfile.minimal": MINIMAL_DOCKERFILE,
    ...(official ? { "Dockerfile.minimal.syntax": `# syntax=${official.image}\n${MINIMAL_DOCKERFILE}` } : {}),
  });
  const variants: Variant[] = [
    { name: "scratchkit", context: ctx, options: { file: "scratchkit.yaml", expectFrontendDone: true } },
    { name: "dockerfile", context: ctx, options: { file: "Dockerfile" } },
    { name: "floor", context: ctx, options: { file: "floor.yaml", expectFrontendDone: true } },
    {
      name: "floorSameImage",
      context: ctx,
      options: { file: "floor-same-image.yaml", expectFrontendDone: true },
    },
    { name: "floorReads", context: ctx, options: { file: "floor-reads.yaml", expectFrontendDone: true } },
    { name: "dockerfileMinimal", context: ctx, options: { file: "Dockerfile.minimal" } },
  ];
  if (official)
    variants.push(
      { name: "official", context: ctx, options: { file: "Dockerfile.syntax" } },
      { name: "officialMinimal", context: ctx, options: { file: "Dockerfile.minimal.syntax" } },
    );
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
  const primed = new Map(variants.map((v) => [v.name, mustBuild(v.context, v.options)]));
  // The same-image floor is a floor only if BuildKit exports the image scratchkit exports.
  const skImage = exported(primed.get("scratchkit"));
  for (const name of ["floorSameImage", "floorReads"]) {
    const floorImage = exported(primed.get(name));
    if (skImage !== floorImage)
      throw new Error(`the ${name} floor exported ${floorImage}, scratchkit ${skImage}`);
  }
  const timed = interleave(variants);
  const get = (n: string) => timed.find((t) => t.name === n);
  const sk = get("scratchkit");
  const df = get("dockerfile");
  const empty = get("floor");
  const fl = get("floorSameImage");
  const reads = get("floorReads");
  const dfMin = get("dockerfileMinimal");
  if (!sk || !df || !fl || !empty || !reads || !dfMin) throw new Error("unreachable");
  const uncached = sk.builds.map((b) => ranSteps(b).own).filter((s) => s.length > 0);
  const rows: Section["rows"] = [
    { section: "warm", metric: "scratchkit median", value: sk.median, unit: "ms" },
    { section: "warm", metric: "dockerfile median", value: df.median, unit: "ms" },
    {
      section: "warm",
      metric: "floor (Node gateway frontend: ping, one Solve, return the same image)",
      value: fl.median,
      unit: "ms",
      note: `exports scratchkit's image: ${skImage}`,
    },
    {
      section: "warm",
      metric: "empty floor (Node gateway frontend: ping, return nothing)",
      value: empty.median,
      unit: "ms",
    },
    { section: "warm", metric: "ratio scratchkit/dockerfile", value: round(sk.median / df.median, 3) },
    { section: "warm", metric: "ratio scratchkit/floor", value: round(sk.median / fl.median, 3) },
    {
      section: "warm",
      metric: "scratchkit above floor",
      value: round(sk.median - fl.median),
      unit: "ms",
      target: `<= ${ABOVE_FLOOR_TARGET}`,
      met: sk.median - fl.median <= ABOVE_FLOOR_TARGET,
      note: roundDiffs(sk, fl),
    },
    {
      section: "warm",
      metric: "floor above built-in dockerfile",
      value: round(fl.median - df.median),
      unit: "ms",
      note: roundDiffs(fl, df),
    },
    {
      section: "warm",
      metric: "reads floor (the same image after Inputs, the manifest's reads and ResolveImageConfig)",
      value: reads.median,
      unit: "ms",
    },
    {
      section: "warm",
      metric: "the reads every manifest-reading frontend makes (reads floor above floor)",
      value: round(reads.median - fl.median),
      unit: "ms",
      note: roundDiffs(reads, fl),
    },
    {
      section: "warm",
      metric: "scratchkit above the reads floor (parse, plan, gate, result)",
      value: round(sk.median - reads.median),
      unit: "ms",
      note: roundDiffs(sk, reads),
    },
    {
      section: "warm",
      metric: "scratchkit above the empty floor",
      value: round(sk.median - empty.median),
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
    const oMin = get("officialMinimal");
    if (oMin)
      rows.push({
        section: "warm",
        metric:
          "official frontend image above built-in, Dockerfile.minimal (a Go gateway frontend's least cost)",
        value: round(oMin.median - dfMin.median),
        unit: "ms",
        note: `FROM scratch + COPY one file, no build image; ${roundDiffs(oMin, dfMin)}`,
      });
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
