// Only build args the manifest declares reach the build (README); any other --build-arg is
// ignored, and the build says so, as Docker's builder does ("One or more build-args [X] were
// not consumed").
import type { Warning } from "../gateway/frontend-client.js";
import type { SourceMap } from "../llb/index.js";
import { closest } from "../manifest/suggest.js";
import type { Manifest } from "../manifest/types.js";

/** Proxy settings: Docker and buildx pass them as build args from the client's config. */
const PROXY_ARGS = new Set(
  ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((n) => [n, n.toLowerCase()]),
);

/**
 * Args a client may send without the user asking: BuildKit's own (`BUILDKIT_*`, e.g.
 * BUILDKIT_INLINE_CACHE, BUILDKIT_SYNTAX), SOURCE_DATE_EPOCH (which the frontend reads
 * itself) and the proxy variables. The Dockerfile frontend accepts these undeclared too.
 */
export function isBuiltinArg(name: string): boolean {
  return name === "SOURCE_DATE_EPOCH" || name.startsWith("BUILDKIT_") || PROXY_ARGS.has(name);
}

/** The given build args the manifest does not declare, sorted. Pure. */
export function undeclaredBuildArgs(manifest: Manifest, given: ReadonlyMap<string, string>): string[] {
  const declared = new Set(manifest.args.map((a) => a.name));
  return [...given.keys()].filter((n) => !declared.has(n) && !isBuiltinArg(n)).sort();
}

/**
 * One warning naming every undeclared arg, with a "did you mean" for near misses; it points
 * at the declared args when there are any. `digest` is the vertex it is filed under.
 */
export function undeclaredArgsWarning(
  names: string[],
  manifest: Manifest,
  source: SourceMap,
  digest: string,
): Warning | undefined {
  if (names.length === 0) return undefined;
  const declared = manifest.args.map((a) => a.name);
  const hints = names.flatMap((n) => {
    const near = closest(n, declared);
    return near ? [`did you mean ${near} for ${n}?`] : [];
  });
  // Go's %v of a []string, as in Docker's message: [A B].
  const short = `One or more build-args [${names.join(" ")}] were not consumed: ${manifest.filename} does not declare ${names.length === 1 ? "it" : "them"} under args${hints.length > 0 ? ` (${hints.join(" ")})` : ""}`;
  const first = manifest.args[0]?.span;
  const last = manifest.args.at(-1)?.span;
  return {
    digest,
    message: short,
    detail: [
      declared.length > 0
        ? `Declared build args: ${declared.join(", ")}. Undeclared ones never reach the build commands.`
        : "The manifest declares no build args (args: {NAME: default}). Undeclared ones never reach the build commands.",
    ],
    source: { filename: source.filename, data: source.data, language: source.language ?? "YAML" },
    ranges:
      first && last
        ? [
            {
              start: { line: first.line, character: first.col - 1 },
              end: { line: last.endLine, character: last.endCol },
            },
          ]
        : [],
  };
}
