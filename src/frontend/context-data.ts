// `data` entries that come from the build context are checked before anything runs: a
// missing file would otherwise fail only at the image stage, after the compile, with
// BuildKit's raw "failed to compute cache key" and no manifest line.
import { posix } from "node:path";
import { BridgeCallError, type Stat } from "../gateway/client.js";
import { Code } from "../gateway/errors.js";
import { goFileKind } from "../gateway/file-mode.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { marshal, type Platform, type State } from "../llb/index.js";
import { closest } from "../manifest/suggest.js";
import type { DataFile, Manifest } from "../manifest/types.js";
import { isNotFound } from "./solve.js";

/** Directory of the context ("/" for its top) → what it holds; undefined when it is not there. */
export type ContextListing = Map<string, Stat[] | undefined>;

/** The directories whose listings decide whether the context data exists, for every target. */
export function contextDataDirs(manifest: Manifest): string[] {
  const dirs = manifest.targets.flatMap((t) =>
    t.data.filter((d) => d.from === "context").map((d) => posix.dirname(`/${d.src}`)),
  );
  return [...new Set(dirs)].sort();
}

/**
 * Lists `dirs` in the context exactly as the build sees it: `context` is the build's own
 * source op (same patterns, same marshalling), so the transfer is the one the build
 * reuses, and a file that .dockerignore or build.context leaves out is missing here too.
 * One solve, then one ReadDir per directory, all in parallel.
 */
export async function listContext(
  client: FrontendClient,
  context: State,
  platform: Platform,
  dirs: string[],
): Promise<ContextListed> {
  const listing: ContextListing = new Map();
  if (dirs.length === 0) return { listing };
  const ref = await client.solve(marshal(context, { platform }).definition);
  await readDirs(ref, dirs, listing);
  return { ref, listing };
}

/** The context's listing, and the solved context to read more of it from (none when nothing was listed). */
export interface ContextListed {
  ref?: Ref;
  listing: ContextListing;
}

async function readDirs(ref: Ref, dirs: string[], into: ContextListing) {
  const read = await Promise.all(
    dirs.map(async (dir): Promise<[string, Stat[] | undefined]> => {
      try {
        return [dir, await ref.readDir(dir)];
      } catch (err) {
        // Missing, or a file where a directory was expected: either way the data is not there.
        if (isNotFound(err) || isNotDirectory(err)) return [dir, undefined];
        throw err;
      }
    }),
  );
  for (const [dir, entries] of read) into.set(dir, entries);
}

/** BuildKit's answer (code 2, "stat ...: not a directory") when a path component is a file. */
function isNotDirectory(err: unknown): boolean {
  return err instanceof BridgeCallError && /not a directory/i.test(err.status.message);
}

/** The context data entries the listing does not hold. Pure. */
export function missingContextData(data: DataFile[], listing: ContextListing): DataFile[] {
  return data.filter((d) => {
    if (d.from !== "context") return false;
    const entries = listing.get(posix.dirname(`/${d.src}`));
    return !entries?.some((e) => e.path === posix.basename(d.src));
  });
}

/**
 * Throws a LocatedError (NotFound, one located line per missing entry) when the target's
 * context data is not all in the listing. `filtered`: .dockerignore or build.context apply.
 */
export async function requireContextData(
  listed: ContextListed,
  data: DataFile[],
  opts: { filtered: boolean },
): Promise<void> {
  const missing = missingContextData(data, listed.listing);
  if (missing.length === 0) return;
  const lines = await describeMissing(listed.ref, missing, listed.listing, opts.filtered);
  throw LocatedError.at(
    missing.map((d, i) => ({ span: d.span, message: lines[i] ?? "" })),
    Code.NotFound,
  );
}

/**
 * One line per missing entry, naming what the context holds nearest to it: the entry's own
 * directory, or its closest ancestor that exists (listed now, on this failure path only).
 */
export async function describeMissing(
  ref: Ref | undefined,
  missing: DataFile[],
  listing: ContextListing,
  filtered: boolean,
): Promise<string[]> {
  const ancestors = new Set<string>();
  for (const d of missing) {
    // Up to the nearest directory already known to exist; only unknown ones are read.
    for (const a of ancestorsOf(`/${d.src}`)) {
      if (listing.get(a) !== undefined) break;
      if (!listing.has(a)) ancestors.add(a);
    }
  }
  if (ancestors.size > 0 && ref) await readDirs(ref, [...ancestors].sort(), listing);
  const where = filtered ? "the build context (after .dockerignore and build.context)" : "the build context";
  return missing.map((d) => {
    const near = ancestorsOf(`/${d.src}`).find((a) => listing.get(a) !== undefined) ?? "/";
    const entries = listing.get(near) ?? [];
    return `data: ${d.src} is not in ${where}; ${nearby(near, entries, d.src)}`;
  });
}

/** "/a/b/c" → ["/a/b", "/a", "/"], deepest first. */
function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let p = posix.dirname(path); ; p = posix.dirname(p)) {
    out.push(p);
    if (p === "/") return out;
  }
}

const SHOWN = 12;

function nearby(dir: string, entries: Stat[], src: string): string {
  const place = dir === "/" ? "its top level" : `${dir.slice(1)}/`;
  if (entries.length === 0) return `${place} is empty`;
  const names = entries.map((e) => (goFileKind(e.mode) === "dir" ? `${e.path}/` : e.path)).sort();
  const shown = names.slice(0, SHOWN).join(", ");
  const more = names.length > SHOWN ? ` and ${names.length - SHOWN} more` : "";
  // The first path component that does not exist, and a close name for it from the listing.
  const [first = "", ...rest] = src.slice(dir === "/" ? 0 : dir.length).split("/");
  const hint = closest(
    first,
    entries.map((e) => e.path),
  );
  const prefix = dir === "/" ? "" : `${dir.slice(1)}/`;
  const suggestion =
    hint && hint !== first ? `; did you mean ${[`${prefix}${hint}`, ...rest].join("/")}?` : "";
  return `${place} has ${shown}${more}${suggestion}`;
}
