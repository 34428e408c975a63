import { OUTPUT_DIR } from "../manifest/defaults.js";
import { formatDiagnostic } from "../manifest/errors.js";
import type { Manifest, RunStep, Span } from "../manifest/types.js";
import { PlanError } from "./errors.js";

/** One mount of a build command besides the root, with where the manifest asks for it. */
interface Use {
  kind: "cache" | "secret";
  dest: string;
  what: string;
  span: Span;
}

/**
 * Refuses mounts BuildKit cannot make or that would break the build's promises, at their
 * manifest lines: the context over the image root or inside /out, a cache or secret at or
 * under /out (a secret there ships as an empty stub), at or over the workdir, over "/",
 * under a secret file, or two mounts at one path (build.secrets and a step naming the same
 * secret). Throws the first as a PlanError.
 */
export function checkMounts(m: Manifest): void {
  const b = m.build;
  const workdirSpan = b.workdirSpan ?? b.span;
  const fail = (span: Span, message: string, related: Span[] = []): never => {
    throw new PlanError(formatDiagnostic(m.filename, { span, message }), span, related);
  };
  if (b.workdir === "/")
    fail(
      workdirSpan,
      "build.workdir: / is the build image's root; mount the context in a directory like /src",
    );
  if (within(b.workdir, OUTPUT_DIR))
    fail(workdirSpan, `build.workdir: ${b.workdir} is inside ${OUTPUT_DIR}, the output directory`);
  for (const step of b.run) {
    const seen = new Map<string, Use>();
    for (const use of mountsOf(step)) {
      if (use.dest === "/") fail(use.span, `${use.what}: cannot be mounted over the build image's root /`);
      if (within(use.dest, OUTPUT_DIR)) {
        const why = use.kind === "secret" ? "it would ship as an empty file" : "it would hide the artifacts";
        fail(use.span, `${use.what}: ${use.dest} is inside ${OUTPUT_DIR}, the output directory (${why})`);
      }
      if (within(b.workdir, use.dest)) {
        fail(
          use.span,
          `${use.what}: ${use.dest} would hide the build context mounted at build.workdir ${b.workdir}`,
        );
      }
      const twice = seen.get(use.dest);
      if (twice)
        fail(
          use.span,
          `${use.what}: ${use.dest} is already mounted for this command by ${twice.what} (line ${twice.span.line})`,
          [twice.span],
        );
      for (const other of seen.values()) {
        if (other.kind === "secret" && within(use.dest, other.dest))
          fail(
            use.span,
            `${use.what}: ${use.dest} is inside ${other.dest}, the file of ${other.what} (line ${other.span.line})`,
            [other.span],
          );
        if (use.kind === "secret" && within(other.dest, use.dest))
          fail(
            use.span,
            `${use.what}: ${use.dest} would be a file over ${other.dest}, mounted by ${other.what} (line ${other.span.line})`,
            [other.span],
          );
      }
      seen.set(use.dest, use);
    }
  }
}

function mountsOf(step: RunStep): Use[] {
  // A preset's own caches have no line of their own: they belong to the preset's command.
  return [
    ...step.cache.map(
      (c): Use => ({
        kind: "cache",
        dest: c.path,
        what: `cache ${c.path}`,
        span: c.span ?? step.command.span,
      }),
    ),
    ...step.secrets.map(
      (s): Use => ({
        kind: "secret",
        dest: s.target,
        what: `secret ${s.id}`,
        span: s.span ?? step.command.span,
      }),
    ),
  ];
}

/** p is dir or inside it. */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === "/" ? "/" : `${dir}/`);
}
