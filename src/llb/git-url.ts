import { cleanPath } from "./path.js";

// Git remote URLs as BuildKit's util/gitutil reads them: a scheme URL (http, https, ssh,
// git) or scp-like `user@host:path`, with `#ref:subdir` and a query kept apart.

export type GitScheme = "http" | "https" | "ssh" | "git";

export interface GitURL {
  scheme: GitScheme;
  host: string;
  path: string;
  /** The URL without fragment and query: what git fetches. */
  remote: string;
  /** `#ref:subdir`; subdir cleaned and relative ("" for none). */
  ref: string;
  subdir: string;
  query: URLSearchParams;
}

const SCHEMES: ReadonlySet<string> = new Set(["http", "https", "ssh", "git"]);
// sshutil's scp-style pattern: user@host:path, where path does not start with "//".
const SCP = /^([a-zA-Z0-9._-]+)@([a-zA-Z0-9._-]+):(.*)$/;

/** Parses a git remote; undefined when it is neither a supported scheme URL nor scp-like. */
export function parseGitURL(value: string): GitURL | undefined {
  const proto = /^([a-zA-Z0-9]+):\/\//.exec(value);
  if (proto) {
    const scheme = (proto[1] ?? "").toLowerCase();
    if (!SCHEMES.has(scheme)) return undefined;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      return undefined;
    }
    const fragment = decodeURIComponent(u.hash.slice(1));
    const query = new URLSearchParams(u.search);
    u.hash = "";
    u.search = "";
    return {
      scheme: scheme as GitScheme,
      host: u.host,
      path: u.pathname,
      remote: u.toString(),
      ...refSubdir(fragment),
      query,
    };
  }
  const scp = SCP.exec(value);
  if (!scp || (scp[3] ?? "").startsWith("//")) return undefined;
  const [rest = "", fragment = ""] = splitOnce(scp[3] ?? "", "#");
  const [path = "", search = ""] = splitOnce(rest, "?");
  return {
    scheme: "ssh",
    host: scp[2] ?? "",
    path,
    remote: `${scp[1]}@${scp[2]}:${path}`,
    ...refSubdir(fragment),
    query: new URLSearchParams(search),
  };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
}

/** `ref:sub/dir` → ref and the subdir cleaned like Go's path.Join("/", subdir) minus the slash. */
function refSubdir(fragment: string): { ref: string; subdir: string } {
  const [ref, subdir] = splitOnce(fragment, ":");
  return { ref, subdir: cleanRelative(subdir) };
}

/** Go's strings.TrimPrefix(path.Join("/", p), "/"): "." and ".." resolved, never above the root. */
export function cleanRelative(p: string): string {
  return cleanPath(`/${p}`).slice(1);
}
