import { type ByteSource, canShipInScratch, inspectElf, type Report } from "../elf/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact } from "../manifest/types.js";
import type { Platform } from "../plan/types.js";

/** Reads bytes of a file in the build output; the frontend backs it with ReadFile ranges. */
export type ReadRange = (path: string, offset: number, length: number) => Promise<Uint8Array>;

export interface GateFailure {
  artifact: Artifact;
  message: string;
}

export interface GateResult {
  failures: GateFailure[];
  reports: Array<{ artifact: Artifact; report: Report }>;
}

/**
 * The static-linkage gate: every shipped executable must run in an image with no
 * libraries and no interpreter. Reads only the ELF headers it needs, never whole files.
 */
export async function checkArtifacts(
  artifacts: Artifact[],
  read: ReadRange,
  platform: Platform,
): Promise<GateResult> {
  const checked = await Promise.all(
    artifacts.map(async (artifact) => {
      const source: ByteSource = { read: (offset, length) => read(artifact.path, offset, length) };
      const report = await inspectElf(source, { platform });
      return { artifact, report };
    }),
  );
  const failures: GateFailure[] = [];
  for (const { artifact, report } of checked) {
    const verdict = canShipInScratch(report);
    if (!verdict.ok) {
      failures.push({
        artifact,
        message: `${OUTPUT_DIR}/${artifact.path} is ${explain(verdict.reasons, report)}`,
      });
    }
  }
  return { failures, reports: checked };
}

function explain(reasons: string[], report: Report): string {
  const why = reasons.join(", and ");
  const fix =
    report.verdict.kind === "dynamic" || report.verdict.kind === "shared-library"
      ? "a FROM scratch image has no shared libraries — link with -static"
      : report.verdict.kind === "script"
        ? "a FROM scratch image has no interpreter to run it — ship a compiled program"
        : report.archMismatch
          ? "build for the target platform"
          : "ship a statically linked executable";
  return `${why}; ${fix}`;
}
