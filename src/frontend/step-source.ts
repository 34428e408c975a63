import type { BridgeCallError } from "../gateway/client.js";
import { sourceDetail } from "../gateway/errors.js";
import type { Marshalled, SourceMap } from "../llb/index.js";
import type { Span } from "../manifest/types.js";
import type { BuildStep } from "../plan/types.js";

const VERTEX_DETAIL = "github.com/moby/buildkit/errdefs.Vertex+json";
const SOURCE_DETAIL = "github.com/moby/buildkit/errdefs.Source+json";
/** The op that failed, as BuildKit re-encodes it (`{"op":{"source":{"identifier":...}}}`). */
const SOLVE_DETAIL = "github.com/moby/buildkit/errdefs.Solve+json";

/**
 * BuildKit adds manifest lines to a failing step only when it evaluates a returned result
 * itself. The frontend evaluates the build output before export (to verify it), so a
 * failing command comes back without them. Find the step and attach its lines, so buildx
 * prints them as it does for a Dockerfile.
 *
 * The vertex digest in the error is BuildKit's own and, on Docker Engine 28.5, not ours
 * (it re-marshals ops when it loads them). A failed command names its argv in the message,
 * which identifies the step when the digest does not; a failing image source is the build
 * image (`baseImage`, build.image's span); failing that, the lines of all the build's
 * commands are attached.
 */
export function attachStepSource(
  err: BridgeCallError,
  def: Marshalled,
  steps: BuildStep[],
  source: SourceMap,
  baseImage?: Span,
): void {
  const details = err.status.details;
  if (details.some((d) => d.type_url === SOURCE_DETAIL)) return;
  const lines =
    fromDigest(err, def) ??
    fromMessage(err.status.message, steps) ??
    fromImageSource(err, baseImage) ??
    allSteps(err, steps);
  if (!lines || lines.length === 0) return;
  details.push(
    sourceDetail({
      filename: source.filename,
      data: source.data,
      ...(source.language ? { language: source.language } : {}),
      ranges: lines,
    }),
  );
}

type Lines = Array<{ start: number; end: number }>;

function fromDigest(err: BridgeCallError, def: Marshalled): Lines | undefined {
  const vertex = err.status.details.find((d) => d.type_url === VERTEX_DETAIL);
  if (!vertex?.value) return undefined;
  let digest: string | undefined;
  try {
    digest = (JSON.parse(new TextDecoder().decode(vertex.value)) as { digest?: string }).digest;
  } catch {
    return undefined;
  }
  const locations = digest ? def.definition.Source?.locations?.[digest]?.locations : undefined;
  const ranges = (locations ?? []).flatMap((l) => l.ranges ?? []);
  return ranges.length > 0
    ? ranges.map((r) => ({ start: r.start?.line ?? 1, end: r.end?.line ?? r.start?.line ?? 1 }))
    : undefined;
}

/**
 * A step failed but neither its digest nor its message names it (e.g. a missing secret):
 * point at the build's commands as a whole rather than at nothing, which buildx would
 * print as the syntax line.
 */
function allSteps(err: BridgeCallError, steps: BuildStep[]): Lines | undefined {
  if (!err.status.details.some((d) => d.type_url === VERTEX_DETAIL) || steps.length === 0) return undefined;
  const first = Math.min(...steps.map((s) => s.span.line));
  const last = Math.max(...steps.map((s) => s.span.endLine));
  return [{ start: first, end: last }];
}

/**
 * The graph's only docker-image source is the build image, so a failing one (pull, platform
 * variant, digest gone since it was resolved) is build.image's fault. BuildKit names the
 * failing op in an errdefs.Solve detail.
 */
function fromImageSource(err: BridgeCallError, baseImage: Span | undefined): Lines | undefined {
  if (!baseImage) return undefined;
  for (const d of err.status.details) {
    if (d.type_url !== SOLVE_DETAIL || !d.value) continue;
    let id: unknown;
    try {
      id = (JSON.parse(new TextDecoder().decode(d.value)) as { op?: { source?: { identifier?: unknown } } })
        .op?.source?.identifier;
    } catch {
      continue;
    }
    if (typeof id === "string" && id.startsWith("docker-image://"))
      return [{ start: baseImage.line, end: baseImage.endLine }];
  }
  return undefined;
}

function fromMessage(message: string, steps: BuildStep[]): Lines | undefined {
  // runc executor: `process "<argv joined by spaces>" did not complete successfully: exit code: N`
  const m = /process "(.*)" did not complete successfully/s.exec(message);
  if (!m) return undefined;
  const step = steps.find((s) => s.args.join(" ") === m[1]);
  return step ? [{ start: step.span.line, end: step.span.endLine }] : undefined;
}
