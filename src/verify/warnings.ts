// Gate findings as BuildKit warnings (LLBBridge Warn, cap gateway.warnings). Pure construction,
// plus a sender that never lets a warning break the build.
import type { Warning } from "../gateway/frontend-client.js";
import type { SourceMap } from "../llb/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { GateWarning } from "./static-gate.js";

/**
 * One warning per finding (the gateway encodes it as a Warn request). `digest` is the op whose output was verified (the build step):
 * BuildKit attaches the warning to that vertex, as dockerui attaches lint warnings to the
 * definition's vertex.
 */
export function warnRequests(warnings: GateWarning[], source: SourceMap, digest: string): Warning[] {
  return warnings.map(({ artifact, finding, shown }) => ({
    digest,
    message: `${OUTPUT_DIR}/${shown ?? artifact.path} ${finding.short}`,
    detail: finding.detail,
    source: { filename: source.filename, data: source.data, language: source.language ?? "" },
    ranges: [{ start: { line: artifact.span.line }, end: { line: artifact.span.endLine } }],
  }));
}

/**
 * Sends each warning; a failed Warn (old engine, closed stream) is reported to `onError` and
 * skipped, because a warning must never be what fails a build.
 */
export async function sendWarnings(
  warn: (w: Warning) => Promise<void>,
  reqs: Warning[],
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
