// frontend.lint (`--call check`): our lint findings in BuildKit's LintResults shape
// (subrequests/lint). result.statuscode is 1 when there is a finding or the manifest does not
// parse, so `--call check` fails like it does for a Dockerfile.
import type { LintFinding } from "../lint/rules.js";
import type { Diagnostic } from "../manifest/errors.js";
import type { Span } from "../manifest/types.js";
import { marshalIndent, type SubrequestAnswer } from "./result.js";
import { type LocationJson, locationOf, RESULT_METADATA, type RequestDefinition } from "./types.js";

export const LINT_REQUEST: RequestDefinition = {
  name: "frontend.lint",
  version: "1.0.0",
  type: "rpc",
  description: "Lint a scratchkit manifest",
  opts: [],
  inputs: null,
  metadata: [...RESULT_METADATA, { name: "result.statuscode", description: "" }],
  refs: null,
};

export interface WarningJson {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location?: LocationJson;
}

/** pb.SourceInfo; `data` is base64 as Go encodes []byte. */
export interface SourceInfoJson {
  filename?: string;
  data?: string;
  language?: string;
}

export interface LintResultsJson {
  warnings: WarningJson[];
  sources: SourceInfoJson[];
  buildError?: { message: string; location: LocationJson };
}

export interface LintInput {
  filename: string;
  text: string;
  /** The findings of a manifest that parsed... */
  findings?: LintFinding[];
  /** ...or the parser's diagnostics and message when it did not. */
  error?: { message: string; diagnostics: Diagnostic[] };
}

export function lintResults(input: LintInput): LintResultsJson {
  const source: SourceInfoJson = {
    filename: input.filename,
    data: Buffer.from(input.text, "utf8").toString("base64"),
    language: "YAML",
  };
  const out: LintResultsJson = {
    warnings: (input.findings ?? []).map((f) => ({
      ruleName: f.rule.name,
      description: f.rule.description,
      url: f.rule.url,
      detail: f.detail,
      location: locationOf([f.span]),
    })),
    sources: [source],
  };
  if (input.error) {
    out.buildError = {
      message: input.error.message,
      location: locationOf(input.error.diagnostics.map((d) => d.span)),
    };
  }
  return out;
}

/** errdefs.Source.Print: the lines around the ranges, the ranges marked `>>>`. */
export function printSource(filename: string, text: string, spans: Span[]): string {
  if (spans.length === 0) return "";
  const lines = text.split("\n");
  let start = Math.min(...spans.map((s) => s.line));
  let end = Math.max(...spans.map((s) => Math.max(s.line, s.endLine)));
  if (start > lines.length || start < 1) return "";
  if (end > lines.length) end = lines.length;
  const pad = end === start ? 4 : 2;
  const first = start;
  // Go's loop: widen by one line on each side per round until `pad` is used up.
  for (let p = 0; p < pad; ) {
    if (start > 1) {
      start--;
      p++;
    }
    if (end !== lines.length) {
      end++;
      p++;
    }
    p++;
  }
  const marked = (l: number) => spans.some((s) => s.line <= l && Math.max(s.line, s.endLine) >= l);
  let out = `${filename}:${first}\n--------------------\n`;
  for (let i = start; i <= end; i++) {
    out += ` ${String(i).padStart(3)} | ${marked(i) ? ">>>" : "   "} ${lines[i - 1]}\n`;
  }
  return `${out}--------------------\n`;
}

/** lint.PrintLintViolations: each warning with its rule, URL, detail and the manifest lines. */
export function printLint(input: LintInput): string {
  return (input.findings ?? [])
    .map(
      (f) =>
        `\nWARNING: ${f.rule.name} - ${f.rule.url}\n${f.detail}\n${printSource(input.filename, input.text, [f.span])}`,
    )
    .join("");
}

export function lintAnswer(input: LintInput): SubrequestAnswer {
  const results = lintResults(input);
  return {
    json: marshalIndent(results),
    text: printLint(input),
    version: LINT_REQUEST.version,
    statusCode: results.warnings.length > 0 || results.buildError ? 1 : 0,
  };
}
