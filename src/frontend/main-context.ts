// The build context, resolved once per build into one typed value (dockerui's initContext):
// the client's local directory, or a remote context already solved so the manifest and the
// .dockerignore can be read from it.
import type { BuildConfig, MainContextRef } from "../gateway/build-config.js";
import type { Definition } from "../gateway/client.js";
import type { GitContextRef, HTTPContextRef } from "../gateway/context-ref.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import {
  Caps,
  copy,
  definitionState,
  git,
  http,
  marshal,
  type Platform,
  type State,
  scratch,
} from "../llb/index.js";
import { isArchive, SNIFF_BYTES } from "./archive-sniff.js";

export type MainContext = LocalMainContext | ResolvedMainContext;

export interface LocalMainContext {
  kind: "local";
  /** The session's local name of the context. */
  key: string;
}

export interface ResolvedMainContext {
  kind: "git" | "http" | "upload" | "input";
  /** The context as the build reads it (before .dockerignore and build.context apply). */
  state: State;
  /** The context solved as it came, before contextsubdir: the manifest is read from it. */
  ref: Ref;
  /** The manifest's path in `ref`: the filename option, or the downloaded file when the URL was the manifest. */
  manifestPath: string;
  /**
   * Whether the manifest is read from this context (a remote one holds it, as buildx's -f
   * says); a `context` frontend input comes with its own `dockerfile` input or local.
   */
  holdsManifest: boolean;
}

/** dockerui's name for the context input (not the contextkey option). */
const INPUT_CONTEXT = "context";
/** The name dockerui gives the download, and so the file the HTTP op writes. */
const HTTP_FILENAME = "context";

/** Resolves `config.context`; remote contexts are solved (and an HTTP one sniffed) here. */
export async function resolveMainContext(
  client: FrontendClient,
  config: Pick<BuildConfig, "context" | "filename" | "contextSubdir" | "keepGitDir" | "platforms" | "epoch">,
  inputs: Record<string, Definition>,
): Promise<MainContext> {
  const ref: MainContextRef = config.context;
  const platform = config.platforms[0];
  // dockerui: a caller's (or the # syntax= forwarder's) `context` input replaces the local one.
  const input = ref.kind === "local" ? inputs[INPUT_CONTEXT] : undefined;
  if (input) {
    const ctx = { kind: "input", state: definitionState(input), ref: await client.solve(input) } as const;
    const sub = config.contextSubdir;
    return {
      ...ctx,
      manifestPath: config.filename,
      holdsManifest: false,
      ...(sub ? { state: scopeToSubdir(ctx.state, sub) } : {}),
    };
  }
  if (ref.kind === "local") return ref;
  const resolved =
    ref.kind === "git"
      ? await solved(
          client,
          gitContext(ref, config.keepGitDir, commitMTime(client, config.epoch)),
          platform,
          "git",
          config.filename,
        )
      : await httpContext(client, ref, platform, config.filename);
  const sub = config.contextSubdir;
  return sub ? { ...resolved, state: scopeToSubdir(resolved.state, sub) } : resolved;
}

function gitContext(g: GitContextRef, keepGitDir: boolean, mtimeCommit: boolean): State {
  const shown = `${g.remote}${g.ref || g.subdir ? `#${g.ref}${g.subdir ? `:${g.subdir}` : ""}` : ""}`;
  return git(g.remote, {
    ref: g.ref,
    subdir: g.subdir,
    keepGitDir: keepGitDir || g.keepGitDir === true,
    ...(mtimeCommit ? { mtime: "commit" as const } : {}),
    name: `[internal] load git source ${shown}`,
  });
}

/**
 * dockerui checks out a git source with the commit's time on every file when SOURCE_DATE_EPOCH
 * is set (git.mtime=commit), so the checkout is the same from build to build. Daemons before
 * BuildKit v0.29 (Docker Engine 28) do not know the attribute and would refuse the op: there
 * the checkout keeps its own times.
 */
export function commitMTime(client: FrontendClient, epoch: number | undefined): boolean {
  return epoch !== undefined && client.buildOpts().caps.llb.has(Caps.sourceGitMTime);
}

/**
 * dockerui's HTTP context: the download (an op byte-identical to dockerui's, so the Engine
 * API's one-shot upload is fetched once per build), sniffed: an archive is unpacked into
 * the context; anything else is the manifest itself.
 */
async function httpContext(
  client: FrontendClient,
  h: HTTPContextRef,
  platform: Platform | undefined,
  filename: string,
): Promise<ResolvedMainContext> {
  const download = http(h.url, { filename: HTTP_FILENAME, name: "[internal] load remote build context" });
  const kind = h.origin === "url" ? "http" : "upload";
  const fetched = await solved(client, download, platform, kind, HTTP_FILENAME);
  const head = await fetched.ref.readFile(HTTP_FILENAME, { offset: 0, length: SNIFF_BYTES });
  if (!isArchive(head)) return fetched;
  const unpacked = scratch().file(copy(download, `/${HTTP_FILENAME}`, "/", { attemptUnpack: true }));
  return solved(client, unpacked, platform, kind, filename);
}

async function solved(
  client: FrontendClient,
  state: State,
  platform: Platform | undefined,
  kind: ResolvedMainContext["kind"],
  manifestPath: string,
): Promise<ResolvedMainContext> {
  const ref = await client.solve(marshal(state, platform ? { platform } : {}).definition);
  return { kind, state, ref, manifestPath, holdsManifest: true };
}

/** contextsubdir: only that directory's contents, at the top (dockerui's scopeToSubDir). */
function scopeToSubdir(state: State, dir: string): State {
  return scratch().file(copy(state, dir, "/", { copyDirContentsOnly: true }));
}
