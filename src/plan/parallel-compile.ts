// The c/c++ presets' build command: every source compiled on its own, in parallel (one job per
// CPU), through ccache when the build image has it, then one link. ccache's directory is a cache
// mount, so after one edited file only that file is compiled again; the objects are linked in
// the sorted source order a single `cc *.c` uses, so the program is byte-identical to one built
// without ccache (and to a cold build with the same SOURCE_DATE_EPOCH).
import type { CacheMount } from "../manifest/types.js";

/** ccache's directory, kept across builds by a cache mount shared by every build of any project. */
export const CCACHE_DIR = "/root/.cache/ccache";

/** Shared: ccache locks its own files, and its keys (source, flags, compiler) keep projects apart. */
export const CCACHE_MOUNT: CacheMount = { path: CCACHE_DIR, id: "scratchkit-ccache", sharing: "shared" };

/**
 * ccache's settings: its directory, and the compiler identified by its bytes rather than its
 * mtime (build images are re-made with new mtimes but the same compiler).
 */
export const CCACHE_ENV: Array<[string, string]> = [
  ["CCACHE_DIR", CCACHE_DIR],
  ["CCACHE_COMPILERCHECK", "content"],
];

export interface ParallelCompile {
  /** The compiler variable, e.g. "CC" (used as `$CC`). */
  compiler: string;
  /** Its flags variable, e.g. "CFLAGS". */
  flags: string;
  /** `find` name tests, e.g. ["*.c"]. */
  patterns: string[];
  /** The program to link, e.g. "/out/hello" (already a validated plain path). */
  out: string;
}

/**
 * One `/bin/sh -c` command. Sources are listed NUL-separated (names with spaces work), each
 * gets a numbered object in a fresh temp dir so `ls`'s order is the sources' sorted order.
 */
export function parallelCompile(p: ParallelCompile): string {
  const names = p.patterns.map((n) => `-name '${n}'`).join(" -o ");
  const find = p.patterns.length > 1 ? `find . \\( ${names} \\)` : `find . ${names}`;
  return [
    `o=$(mktemp -d)`,
    `cc=$${p.compiler}`,
    `if command -v ccache >/dev/null; then cc="ccache $${p.compiler}"; fi`,
    `${find} | sort | awk -v o="$o" '{ printf "%s%c%s/%06d.o%c", $0, 0, o, NR, 0 }' | xargs -0 -n 2 -P "$(nproc)" sh -c '$0 $${p.flags} -c "$1" -o "$2"' "$cc"`,
    `$${p.compiler} $${p.flags} -static -s -o ${p.out} "$o"/*.o`,
  ].join(" && ");
}
