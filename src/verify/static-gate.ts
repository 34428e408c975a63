import type { ByteSource, Report } from "../elf/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact } from "../manifest/types.js";
import type { Platform } from "../plan/types.js";
import { type Assessment, assessArtifact, type Finding } from "./assess.js";

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
}

export interface GateResult {
  failures: GateFailure[];
  warnings: GateWarning[];
  reports: Array<{ artifact: Artifact; report: Report; assessment: Assessment }>;
}

/**
 * The static-linkage gate: every shipped executable must run in an image with no
 * libraries and no interpreter. Reads only the ELF headers it needs (64 KiB at most) and, for
 * glibc static programs only, scans for NSS/dlopen use under its own bounded budget.
 */
export async function checkArtifacts(
  artifacts: Artifact[],
  read: ReadRange,
  platform: Platform,
  /** File sizes when known (from a directory listing): they spare the reader a probe read. */
  sizes?: ReadonlyMap<string, number>,
): Promise<GateResult> {
  const checked = await Promise.all(
    artifacts.map(async (artifact) => {
      const size = sizes?.get(artifact.path);
      const source: ByteSource = {
        ...(size !== undefined ? { size } : {}),
        read: (offset, length) => read(artifact.path, offset, length),
      };
      const assessment = await assessArtifact(source, { platform, allowDlopen: artifact.allowDlopen });
      return { artifact, report: assessment.report, assessment };
    }),
  );
  const failures: GateFailure[] = [];
  const warnings: GateWarning[] = [];
  for (const { artifact, assessment } of checked) {
    if (assessment.reasons.length > 0) {
      failures.push({
        artifact,
        message: `${OUTPUT_DIR}/${artifact.path} is ${assessment.reasons.join(", and ")}; ${assessment.fix ?? "ship a statically linked executable"}`,
      });
    }
    for (const finding of assessment.findings) warnings.push({ artifact, finding });
  }
  return { failures, warnings, reports: checked };
}
