// The figures issue 13 asks for, in one object at the top of bench/results/latest.json: each is
// taken from a section's details (null when that section did not run or could not measure it).
import { median, round, type Section } from "./lib.js";

export interface Summary {
  warmRatioVsOfficial: number | null;
  coldRatioVsOfficial: number | null;
  /**
   * scratchkit warm minus the Node floor frontend that returns the same image warm (ms): the
   * frontend's own work (manifest, build image, gate), the export being the same.
   */
  aboveFloorMs: number | null;
  /** That floor warm minus the built-in Dockerfile frontend warm, both exporting hello (ms). */
  floorOverBuiltinMs: number | null;
  /** scratchkit warm minus a Node frontend that returns nothing (and so exports nothing) (ms). */
  aboveEmptyFloorMs: number | null;
  /**
   * The reads floor (the same-image floor after Inputs, the manifest's reads and the build
   * image's ResolveImageConfig, with scratchkit's code) minus the same-image floor (ms): what
   * those calls cost a whole build (noisy: once it came out slower than scratchkit, README).
   */
  readsOverFloorMs: number | null;
  /** scratchkit warm minus the reads floor (ms): parsing, planning, the gate, the result. */
  aboveReadsFloorMs: number | null;
  /**
   * The official (Go) frontend image minus the built-in frontend on a FROM scratch Dockerfile
   * that copies one file (ms): the least a gateway frontend costs on this engine, to set
   * beside floorOverBuiltinMs.
   */
  goGatewayOverBuiltinMs: number | null;
  /** One .c edited in a ~200-file project: scratchkit preset / Dockerfile via the official frontend. */
  incrementalRatioVsDockerfile: number | null;
  /** Largest NSS scan over the bench's big glibc-static binaries (bytes). */
  nssScanMaxBytes: number | null;
  /** The frontend image as `docker image ls` counts it (unpacked, bytes). */
  frontendImageBytes: number | null;
  /** The frontend's peak RSS on a warm hello (median, KiB). */
  frontendPeakRssKiB: number | null;
}

type Medians = Record<string, number | undefined>;

function medians(s: Section | undefined): Medians {
  return (s?.details.medians as Medians | undefined) ?? {};
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b !== undefined && b > 0 ? round(a / b, 3) : null;
}

function diff(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b !== undefined ? round(a - b) : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function summary(results: Record<string, Section>): Summary {
  const warm = medians(results.warm);
  const cold = medians(results.cold);
  const rss = ((results.frontend?.details.hello as Array<{ maxRssKiB?: number }> | undefined) ?? [])
    .map((d) => d.maxRssKiB)
    .filter((x): x is number => typeof x === "number");
  return {
    warmRatioVsOfficial: ratio(warm.scratchkit, warm.official),
    coldRatioVsOfficial: ratio(cold.scratchkit, cold.official),
    aboveFloorMs: diff(warm.scratchkit, warm.floorSameImage),
    floorOverBuiltinMs: diff(warm.floorSameImage, warm.dockerfile),
    aboveEmptyFloorMs: diff(warm.scratchkit, warm.floor),
    readsOverFloorMs: diff(warm.floorReads, warm.floorSameImage),
    aboveReadsFloorMs: diff(warm.scratchkit, warm.floorReads),
    goGatewayOverBuiltinMs: diff(warm.officialMinimal, warm.dockerfileMinimal),
    incrementalRatioVsDockerfile: num(results.project?.details.incrementalRatio),
    nssScanMaxBytes: num(results.static?.details.nssScanMaxBytes),
    frontendImageBytes: num(results.size?.details.frontendImageBytes),
    frontendPeakRssKiB: rss.length ? round(median(rss)) : null,
  };
}
