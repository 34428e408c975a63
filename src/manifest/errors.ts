import type { Span } from "./types.js";

/** One problem in the manifest, located like a compiler diagnostic. */
export interface Diagnostic {
  span: Span;
  message: string;
}

/** All problems found in one manifest; the message reads `file:line:col: message` per line. */
export class ManifestError extends Error {
  constructor(
    readonly filename: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(diagnostics.map((d) => formatDiagnostic(filename, d)).join("\n"));
    this.name = "ManifestError";
  }
}

export function formatDiagnostic(filename: string, d: Diagnostic): string {
  return `${filename}:${d.span.line}:${d.span.col}: ${d.message}`;
}
