// Gate findings as BuildKit warnings (LLBBridge Warn, cap gateway.warnings). Pure construction,
// plus a sender that never lets a warning break the build.
import type { WarnRequest } from "../gateway/client.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { GateWarning } from "./static-gate.js";

/** The manifest as BuildKit's pb.SourceInfo wants it, so clients print the artifact's lines. */
export interface WarnSource {
  filename: string;
  data: Uint8Array;
  language?: string;
}

/** BuildKit's default and the Dockerfile linter's level (0 is treated as 1 by the server). */
const LEVEL_WARNING = 1;

/**
 * One WarnRequest per finding. `digest` is the op whose output was verified (the build step):
 * BuildKit attaches the warning to that vertex, as dockerui attaches lint warnings to the
 * definition's vertex.
 */
export function warnRequests(warnings: GateWarning[], source: WarnSource, digest: string): WarnRequest[] {
  const enc = new TextEncoder();
  return warnings.map(({ artifact, finding, shown }) => ({
    digest,
    level: LEVEL_WARNING,
    short: enc.encode(`${OUTPUT_DIR}/${shown ?? artifact.path} ${finding.short}`),
    detail: finding.detail.map((d) => enc.encode(d)),
    info: { filename: source.filename, data: source.data, language: source.language ?? "" },
    ranges: [{ start: { line: artifact.span.line }, end: { line: artifact.span.endLine } }],
  }));
}

/**
 * Sends each warning; a failed Warn (old engine, closed stream) is reported to `onError` and
 * skipped, because a warning must never be what fails a build.
 */
export async function sendWarnings(
  warn: (req: WarnRequest) => Promise<void>,
  reqs: WarnRequest[],
  onError: (err: unknown) => void = () => {},
): Promise<number> {
  let sent = 0;
  for (const r of reqs) {
    try {
      await warn(r);
      sent++;
    } catch (err) {
      onError(err);
    }
  }
  return sent;
}
