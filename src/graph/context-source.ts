import { local, type State } from "../llb/index.js";

/**
 * The build context as the client's local directory, filtered by .dockerignore and the
 * manifest's own include/exclude patterns. BuildKit applies the patterns while it
 * transfers the files, so excluded files never leave the client.
 */
export function contextSource(
  key: string,
  opts: { sessionId?: string; include?: string[]; exclude?: string[] },
): State {
  return local(key, {
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    ...(opts.include && opts.include.length > 0 ? { includePatterns: opts.include } : {}),
    ...(opts.exclude && opts.exclude.length > 0 ? { excludePatterns: opts.exclude } : {}),
    sharedKeyHint: key,
    name: "[internal] load build context",
  });
}
