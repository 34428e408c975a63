// POSIX path helpers with Go's path.Clean / path.Join semantics (node:path
// keeps trailing slashes and differs on edge cases), used to normalize file
// action paths exactly like the Go client.

export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((x) => x !== "");
  return nonEmpty.length === 0 ? "" : cleanPath(nonEmpty.join("/"));
}

/**
 * Makes p absolute against parent. With keepSlash (copy destinations) a
 * trailing "/" or "/." survives, because it means "into this directory".
 */
export function normalizePath(parent: string, p: string, keepSlash: boolean): string {
  let out = cleanPath(p);
  if (!out.startsWith("/")) out = joinPath("/", parent, out);
  if (keepSlash) {
    if (p.endsWith("/") && !out.endsWith("/")) {
      out += "/";
    } else if (p.endsWith("/.")) {
      if (out !== "/") out += "/";
      out += ".";
    }
  }
  return out;
}
