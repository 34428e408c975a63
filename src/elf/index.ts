// Bounded ELF reader and linkage classifier. File access lives in ./file-source.js (node:fs).

export {
  HAZARD_BUDGET,
  HAZARD_CHUNK,
  type HazardOptions,
  type HazardScan,
  NSS_MARKERS,
  needsHazardScan,
  scanGlibcHazard,
} from "./hazard.js";
export { inspectElf } from "./inspect.js";
export { ociArchitecture } from "./machines.js";
export { canShipInScratch } from "./ship.js";
export { bufferSource } from "./sources.js";
export type { ByteSource, InspectOptions, Platform, Report, Verdict } from "./types.js";
