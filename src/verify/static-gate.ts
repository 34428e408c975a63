import type { ByteSource, Report } from "../elf/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact } from "../manifest/types.js";
import type { Platform } from "../plan/types.js";
import { type Assessment, assessArtifact, type Finding } from "./assess.js";
import type { GateFile } from "./shipped.js";

/** Reads bytes of a file in the build output; the frontend backs it with ReadFile ranges. */
export type ReadRange = (path: string, offset: number, length: number) => Promise<Uint8Array>;

export interface GateFailure {
  artifact: Artifact;
  message: string;
}

/** A non-fatal finding about one artifact, for BuildKit's Warn. */
export interface GateWarning {
  artifact: Artifact;
  finding: Finding;
  /** The file, after "/out/", when it is not the artifact path (a directory member, a link). */
  shown?: string;
}

export interface GateResult {
  failures: GateFailure[];
  warnings: GateWarning[];
  reports: Array<{ artifact: Artifact; file: GateFile; report: Report; assessment: Assessment }>;
}

/** Files read at once: a directory artifact can hold thousands. */
export const GATE_CONCURRENCY = 16;

/**
 * The static-linkage gate: every shipped executable must run in an image with no
 * libraries and no interpreter. Reads only the ELF headers it needs (64 KiB at most) and, for
 * glibc static programs only, scans for NSS/dlopen use under its own bounded budget.
 * `read` takes the path relative to /out without its leading slash.
 */
export async function checkFiles(
  files: GateFile[],
  read: ReadRange,
  platform: Platform,
): Promise<GateResult> {
  const checked = await mapLimit(files, GATE_CONCURRENCY, async (file) => {
    const path = file.path.slice(1);
    const source: ByteSource = { size: file.size, read: (offset, length) => read(path, offset, length) };
    const assessment = await assessArtifact(source, {
      platform,
      allowDlopen: file.artifact.allowDlopen,
      allowSharedLibrary: file.inDirectory && file.artifact.allowDlopen,
    });
    return { artifact: file.artifact, file, report: assessment.report, assessment };
  });
  const failures: GateFailure[] = [];
  const warnings: GateWarning[] = [];
  const reports: GateResult["reports"] = [];
  for (const c of checked) {
    const { artifact, file, assessment } = c;
    const kind = assessment.report.verdict.kind;
    // A file without an execute bit in a directory is data unless it is an ELF object.
    if (!file.mustRun && (kind === "not-elf" || kind === "script")) continue;
    reports.push(c);
    if (assessment.reasons.length > 0) {
      failures.push({
        artifact,
        message: `${OUTPUT_DIR}/${file.shown} is ${assessment.reasons.join(", and ")}; ${assessment.fix ?? "ship a statically linked executable"}`,
      });
    }
    const shown = file.shown === artifact.path ? {} : { shown: file.shown };
    for (const finding of assessment.findings) warnings.push({ artifact, finding, ...shown });
  }
  return { failures, warnings, reports };
}

/** The gate over plain file artifacts (sizes from a listing when known). */
export function checkArtifacts(
  artifacts: Artifact[],
  read: ReadRange,
  platform: Platform,
  sizes?: ReadonlyMap<string, number>,
): Promise<GateResult> {
  const files = artifacts.map(
    (artifact): GateFile => ({
      artifact,
      path: `/${artifact.path}`,
      shown: artifact.path,
      size: sizes?.get(artifact.path) ?? Number.NaN,
      mustRun: true,
      inDirectory: false,
    }),
  );
  return checkFiles(files, read, platform);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
