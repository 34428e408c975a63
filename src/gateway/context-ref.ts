// What a `context` option (or a named context's git/http value) points at, parsed the way
// dockerui's DetectGitContext / DetectHTTPContext do. Pure.
import { type GitURL, parseGitURL } from "../llb/index.js";
import { OptsError } from "../opts-error.js";

export interface GitContextRef {
  kind: "git";
  /** The remote git fetches (no fragment, no query). */
  remote: string;
  ref: string;
  subdir: string;
  /** `?keep-git-dir=` in the URL; the build arg BUILDKIT_CONTEXT_KEEP_GIT_DIR also keeps it. */
  keepGitDir?: boolean;
}

export interface HTTPContextRef {
  kind: "http";
  url: string;
  /**
   * Where the bytes come from: a URL the client named, the Docker Engine API's one-shot upload
   * (`http://build-context-<id>`), or a tar buildx read from stdin (`http://buildkit-session/<id>`).
   */
  origin: "url" | "upload" | "stdin";
}

export type RemoteContextRef = GitContextRef | HTTPContextRef;

/** A git remote or an http(s) URL; undefined for anything else (a local name, a path). */
export function parseRemoteContext(value: string): RemoteContextRef | undefined {
  const g = gitContext(value);
  if (g) return g;
  if (/^https?:\/\//.test(value)) return { kind: "http", url: value, origin: httpOrigin(value) };
  return undefined;
}

function httpOrigin(url: string): HTTPContextRef["origin"] {
  if (/^http:\/\/build-context-[^/]+$/.test(url)) return "upload";
  if (url.startsWith("http://buildkit-session/")) return "stdin";
  return "url";
}

/** dfgitutil.ParseGitRef: http(s) counts only with a path ending in .git; ./ and ../ never. */
function gitContext(value: string): GitContextRef | undefined {
  if (value.startsWith("./") || value.startsWith("../")) return undefined;
  const url = parseGitURL(value);
  if (!url) return undefined;
  if ((url.scheme === "http" || url.scheme === "https") && !url.path.endsWith(".git")) return undefined;
  return withQuery({ kind: "git", remote: url.remote, ref: url.ref, subdir: url.subdir }, url, value);
}

/** The query forms buildx documents: ref, branch, tag, subdir, keep-git-dir. */
function withQuery(g: GitContextRef, url: GitURL, value: string): GitContextRef {
  const set = (what: "ref" | "subdir", v: string) => {
    if (g[what] !== "" && g[what] !== v)
      throw new OptsError(`git context ${value}: ${what} conflicts: "${g[what]}" vs "${v}"`);
    g[what] = v;
  };
  for (const [k, v] of url.query) {
    if (url.query.getAll(k).length > 1)
      throw new OptsError(`git context ${value}: query "${k}" has several values`);
    if (k === "ref") set("ref", v);
    else if (k === "branch") set("ref", v.startsWith("refs/heads/") ? v : `refs/heads/${v}`);
    else if (k === "tag") set("ref", v.startsWith("refs/tags/") ? v : `refs/tags/${v}`);
    else if (k === "subdir") set("subdir", v);
    else if (k === "keep-git-dir") g.keepGitDir = v === "" || parseBool(v, value);
    else throw new OptsError(`git context ${value}: unexpected query "${k}"`);
  }
  return g;
}

function parseBool(v: string, value: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new OptsError(`git context ${value}: invalid keep-git-dir value "${v}"`);
}
