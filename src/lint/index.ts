// Lint: findings about a valid manifest that build fine but ship something worse than they
// could. Served as `--call check` (src/subrequests) and as build warnings (lintWarnings).
import type { Warning } from "../gateway/frontend-client.js";
import type { SourceMap } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import type { Platform } from "../platform.js";
import { ManifestLocator } from "./locate.js";
import { type LintFinding, runChecks } from "./rules.js";

export { ManifestLocator } from "./locate.js";
export { type LintFinding, type LintRule, RULES } from "./rules.js";

/** `platforms`: the platforms being built (HardcodedArchitecture judges against them); none → not judged. */
export function lint(
  manifest: Manifest,
  where: ManifestLocator = new ManifestLocator(manifest),
  platforms: readonly Platform[] = [],
): LintFinding[] {
  return runChecks(manifest, where, platforms);
}

/**
 * The findings as build warnings (the gateway encodes them as Warn requests), shaped like the Dockerfile frontend's lint
 * warnings: short `Rule: detail (line N)`, the description as detail, the rule's URL and the
 * range in the manifest. `digest` is the vertex BuildKit files the warning under (the
 * Dockerfile frontend uses the definition's load vertex); any op of the build will do.
 */
export function lintWarnings(
  manifest: Manifest,
  source: SourceMap,
  digest = "",
  opts: { skip?: string[]; platforms?: readonly Platform[] } = {},
): Warning[] {
  const skip = new Set(opts.skip ?? []);
  return lint(manifest, undefined, opts.platforms)
    .filter((f) => !skip.has(f.rule.name))
    .map((f) => ({
      digest,
      message: `${f.rule.name}: ${f.detail} (line ${f.span.line})`,
      detail: [f.rule.description],
      url: f.rule.url,
      source: { filename: source.filename, data: source.data, language: source.language ?? "YAML" },
      ranges: [
        {
          start: { line: f.span.line, character: f.span.col - 1 },
          end: { line: f.span.endLine, character: f.span.endCol },
        },
      ],
    }));
}
