// A read-only view of the build's /out as BuildKit lists it: lstat through the parent's
// listing (one ReadDir per directory, cached), symlinks resolved inside /out only, and a
// bounded walk. Pure over a ListDir function, so unit tests feed it recorded listings.
import { type FileKind, goFileKind, permissionBits } from "../gateway/file-mode.js";

/** One BuildKit fsutil Stat, as ReadDir returns it (mode is Go's os.FileMode). */
export interface ListedStat {
  path: string;
  mode: number;
  size?: number | null;
  linkname?: string | null;
}

/** Lists a directory of /out ("/" or "/a/b"); undefined when there is no such directory. */
export type ListDir = (dir: string) => Promise<ListedStat[] | undefined>;

export interface Entry {
  /** Absolute inside /out: "/bin/prog". */
  path: string;
  kind: FileKind;
  perm: number;
  size: number;
  linkname: string;
}

/** Links followed per path (Linux allows 40; nobody needs more than a few). */
export const MAX_LINK_HOPS = 16;
/** A directory artifact is walked this deep and this wide at most. */
export const MAX_WALK_DEPTH = 32;
export const MAX_WALK_ENTRIES = 10_000;

export type Resolved =
  | { ok: true; entry: Entry; links: string[] }
  | { ok: false; problem: "missing" | "escapes" | "loop"; detail: string; links: string[] };

const ROOT: Entry = { path: "/", kind: "dir", perm: 0o755, size: 0, linkname: "" };

export class OutTree {
  readonly #list: ListDir;
  readonly #listings = new Map<string, Promise<Map<string, Entry> | undefined>>();

  constructor(list: ListDir) {
    this.#list = list;
  }

  /** Entries of a directory by name, or undefined when it does not exist. */
  listing(dir: string): Promise<Map<string, Entry> | undefined> {
    let p = this.#listings.get(dir);
    if (!p) {
      p = this.#list(dir).then((stats) =>
        stats === undefined
          ? undefined
          : new Map(stats.map((s) => [s.path, toEntry(join(dir, s.path), s)] as const)),
      );
      this.#listings.set(dir, p);
    }
    return p;
  }

  /** The entry itself, a link not followed. */
  async lstat(path: string): Promise<Entry | undefined> {
    if (path === "/") return ROOT;
    return (await this.listing(parentOf(path)))?.get(baseOf(path));
  }

  /**
   * Follows every link on the way, each relative to its own directory, refusing what leaves
   * /out: an absolute target, or more "../" than there are directories. BuildKit's copy
   * resolves an absolute link inside /out's own root instead, so it would not ship what the
   * build meant; both are refused rather than guessed.
   */
  async resolve(path: string): Promise<Resolved> {
    const todo = split(path);
    const done: string[] = [];
    const links: string[] = [];
    let entry = ROOT;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === "" || c === ".") continue;
      if (c === "..") {
        if (done.length === 0) {
          return { ok: false, problem: "escapes", detail: `${links.at(-1) ?? ".."} leaves /out`, links };
        }
        done.pop();
        entry = (await this.lstat(`/${done.join("/")}`)) ?? ROOT;
        continue;
      }
      const at = `/${[...done, c].join("/")}`;
      if (entry.kind !== "dir")
        return { ok: false, problem: "missing", detail: `${entry.path} is not a directory`, links };
      const e = await this.lstat(at);
      if (!e) return { ok: false, problem: "missing", detail: `${at} does not exist`, links };
      if (e.kind === "symlink") {
        links.push(`${at} -> ${e.linkname}`);
        if (links.length > MAX_LINK_HOPS) {
          return { ok: false, problem: "loop", detail: `more than ${MAX_LINK_HOPS} symbolic links`, links };
        }
        if (e.linkname.startsWith("/")) {
          return { ok: false, problem: "escapes", detail: `${e.linkname} is an absolute path`, links };
        }
        if (e.linkname === "")
          return { ok: false, problem: "missing", detail: `${at} is an empty link`, links };
        todo.unshift(...split(e.linkname));
        continue;
      }
      done.push(c);
      entry = e;
    }
    return { ok: true, entry, links };
  }

  /**
   * Every entry under a directory (links not followed), parents before children. Throws
   * WalkLimitError past MAX_WALK_DEPTH or MAX_WALK_ENTRIES.
   */
  async walk(dir: string): Promise<Entry[]> {
    const out: Entry[] = [];
    let level = [dir];
    for (let depth = 1; level.length > 0; depth++) {
      if (depth > MAX_WALK_DEPTH)
        throw new WalkLimitError(`it is more than ${MAX_WALK_DEPTH} directories deep`);
      const listings = await Promise.all(level.map((d) => this.listing(d)));
      const next: string[] = [];
      for (const l of listings) {
        for (const e of [...(l?.values() ?? [])].sort((a, b) => (a.path < b.path ? -1 : 1))) {
          out.push(e);
          if (out.length > MAX_WALK_ENTRIES)
            throw new WalkLimitError(`it holds more than ${MAX_WALK_ENTRIES} entries`);
          if (e.kind === "dir") next.push(e.path);
        }
      }
      level = next;
    }
    return out;
  }
}

export class WalkLimitError extends Error {}

function toEntry(path: string, s: ListedStat): Entry {
  return {
    path,
    kind: goFileKind(s.mode),
    perm: permissionBits(s.mode),
    size: Number(s.size ?? 0),
    linkname: s.linkname ?? "",
  };
}

function split(path: string): string[] {
  return path.split("/");
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Whether `path` is `dir` or below it. */
export function isWithin(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}
