// Errors about manifest lines: thrown where they happen with their spans (LocatedError, or a
// ManifestError/PlanError, which convert through it), given the manifest's text in one place
// (`withManifestSource`), so buildx prints the lines under the message.
import { formatDiagnostic, ManifestError } from "../manifest/errors.js";
import type { Span } from "../manifest/types.js";
import { PlanError } from "../plan/errors.js";
import { Code, type ErrorSource, FrontendError } from "./errors.js";

/** One line of a located message: what is wrong at `span`. */
export interface At {
  span: Span;
  message: string;
}

/**
 * An error about manifest lines, with its gRPC code; the manifest text is attached later
 * (until then it is a FrontendError without a source).
 */
export class LocatedError extends FrontendError {
  override readonly name = "LocatedError";
  constructor(
    message: string,
    code: number,
    readonly spans: Span[],
    /** When set, the message is one `file:line:col: message` line per entry, once the file is known. */
    readonly at?: At[],
  ) {
    super(message, code);
  }

  /** One `file:line:col: message` line per entry, and those lines shown under the error. */
  static at(at: At[], code: number): LocatedError {
    return new LocatedError(
      at.map((a) => a.message).join("\n"),
      code,
      at.map((a) => a.span),
      at,
    );
  }

  /** The message as the user reads it, with `filename` in each located line. */
  render(filename: string): string {
    return this.at ? this.at.map((a) => formatDiagnostic(filename, a)).join("\n") : this.message;
  }
}

/** ManifestError and PlanError as LocatedErrors (both are the manifest's fault: InvalidArgument). */
export function toLocated(err: unknown): unknown {
  if (err instanceof ManifestError) {
    return new LocatedError(
      err.message,
      Code.InvalidArgument,
      err.diagnostics.map((d) => d.span),
    );
  }
  if (err instanceof PlanError) return new LocatedError(err.message, Code.InvalidArgument, err.spans);
  return err;
}

/** The manifest a build read: its name and text. */
export interface ManifestSource {
  filename: string;
  text: string;
}

/** A located error as the FrontendError buildx shows with the manifest's lines; others unchanged. */
export function withManifestSource(err: unknown, source: ManifestSource): unknown {
  const located = toLocated(err);
  if (!(located instanceof LocatedError)) return err;
  return new FrontendError(located.render(source.filename), located.code, sourceAt(source, located.spans), {
    cause: err,
  });
}

/** The manifest and the lines an error is about, for buildx to print under the message. */
export function sourceAt(source: ManifestSource, spans: Span[]): ErrorSource {
  return {
    filename: source.filename,
    data: source.text,
    language: "YAML",
    ranges: spans.map((s) => ({ start: s.line, end: s.endLine })),
  };
}
