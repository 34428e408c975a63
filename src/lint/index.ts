// Lint: findings about a valid manifest that build fine but ship something worse than they
// could. Served as `--call check` (src/subrequests) and as build warnings (lintWarnings).
import { type Caps, FrontendCap } from "../gateway/caps.js";
import type { BridgeClient, WarnRequest } from "../gateway/client.js";
import { log } from "../log.js";
import type { Manifest } from "../manifest/types.js";
import { ManifestLocator } from "./locate.js";
import { type LintFinding, runChecks } from "./rules.js";

export { ManifestLocator } from "./locate.js";
export { type LintFinding, type LintRule, RULES } from "./rules.js";

export function lint(
  manifest: Manifest,
  where: ManifestLocator = new ManifestLocator(manifest),
): LintFinding[] {
  return runChecks(manifest, where);
}

/** The manifest as pb.SourceInfo, so clients print the lines a warning is about. */
export interface LintSource {
  filename: string;
  data: Uint8Array;
  language?: string;
}

/** BuildKit's warning level, the one the Dockerfile linter uses. */
const LEVEL_WARNING = 1;

/**
 * The findings as LLBBridge Warn requests, shaped like the Dockerfile frontend's lint
 * warnings: short `Rule: detail (line N)`, the description as detail, the rule's URL and the
 * range in the manifest. `digest` is the vertex BuildKit files the warning under (the
 * Dockerfile frontend uses the definition's load vertex); any op of the build will do.
 */
export function lintWarnings(manifest: Manifest, source: LintSource, digest = ""): WarnRequest[] {
  const enc = new TextEncoder();
  return lint(manifest).map((f) => ({
    digest,
    level: LEVEL_WARNING,
    short: enc.encode(`${f.rule.name}: ${f.detail} (line ${f.span.line})`),
    detail: [enc.encode(f.rule.description)],
    url: f.rule.url,
    info: { filename: source.filename, data: source.data, language: source.language ?? "YAML" },
    ranges: [
      {
        start: { line: f.span.line, character: f.span.col - 1 },
        end: { line: f.span.endLine, character: f.span.endCol },
      },
    ],
  }));
}

/**
 * Sends the manifest's lint findings as build warnings when the engine takes them (cap
 * gateway.warnings). `digest` must be a vertex the client has already seen in the progress
 * stream (buildx drops warnings for unknown vertices), e.g. the solved build step's. A failed
 * Warn is logged and skipped: a warning must never be what fails a build. Returns how many were sent.
 */
export async function sendLintWarnings(
  bridge: Pick<BridgeClient, "warn">,
  caps: Caps,
  manifest: Manifest,
  source: LintSource,
  digest: string,
): Promise<number> {
  if (!caps.frontend.has(FrontendCap.Warnings)) return 0;
  let sent = 0;
  for (const req of lintWarnings(manifest, source, digest)) {
    try {
      await bridge.warn(req);
      sent++;
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "Warn failed");
    }
  }
  return sent;
}
