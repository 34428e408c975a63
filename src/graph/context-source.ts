import { copy, local, type State, scratch } from "../llb/index.js";

/** Where the build context's files come from: the client's local directory, or a state (remote, input). */
export type ContextOrigin =
  | { kind: "local"; key: string; sessionId?: string }
  | { kind: "state"; state: State };

/**
 * The build context filtered by .dockerignore and the manifest's own include/exclude
 * patterns. For a local directory BuildKit applies the patterns while it transfers the
 * files, so excluded files never leave the client; a remote context is copied through the
 * same patterns, so the build sees the same files either way.
 */
export function contextSource(
  origin: ContextOrigin,
  opts: { include?: string[]; exclude?: string[] },
): State {
  const include = opts.include && opts.include.length > 0 ? { includePatterns: opts.include } : {};
  const exclude = opts.exclude && opts.exclude.length > 0 ? { excludePatterns: opts.exclude } : {};
  if (origin.kind === "state") {
    if (!include.includePatterns && !exclude.excludePatterns) return origin.state;
    return scratch().file(
      copy(origin.state, "/", "/", { copyDirContentsOnly: true, ...include, ...exclude }),
      {
        name: "[internal] filter build context",
      },
    );
  }
  return local(origin.key, {
    ...(origin.sessionId ? { sessionId: origin.sessionId } : {}),
    ...include,
    ...exclude,
    sharedKeyHint: origin.key,
    name: "[internal] load build context",
  });
}
