// The c and c++ presets' build command: every source compiled to its own object, one job per
// CPU, through ccache when the build image has it (its directory a cache mount, so after an edit
// only the edited files compile again), then one link through the compiler driver (so the SBOM's
// link observer still sees it). The objects are linked in the sorted source order of the old
// single-command recipe (`$CC ... $(find . -name '*.c' | sort)`): the program's bytes are the
// same as that recipe's, with or without cache hits. Pure: the same input gives the same text.
import type { CacheMount } from "../manifest/types.js";

/** ccache's directory inside the build commands. */
export const CCACHE_DIR = "/root/.cache/ccache";

/**
 * One cache for every build on the engine: ccache's keys (source, flags, compiler identity)
 * keep projects and toolchains apart, and ccache locks its own files, so it is shared.
 */
export const CCACHE_MOUNT: CacheMount = { path: CCACHE_DIR, id: "scratchkit-ccache", sharing: "shared" };

/**
 * ccache's settings that are the same for every build; build.env overrides them key by key.
 * The depend mode keys a result on the compiler's own -MD dependency list instead of running
 * the preprocessor first: a miss costs one compile instead of two (measured here: 200 cold
 * files 24 s in the default mode, 14 s in the depend mode, 14 s without ccache), and a hit
 * checks the same headers the direct mode does.
 */
export const CCACHE_ENV: Array<[string, string]> = [
  ["CCACHE_DIR", CCACHE_DIR],
  ["CCACHE_DEPEND", "1"],
];

export interface CompileLink {
  /** The preset's name, for the command's own messages. */
  preset: string;
  /** The compiler's variable, e.g. "CC" (used as `$CC`, split like the old recipe). */
  compiler: string;
  /** Its flags' variable, e.g. "CFLAGS". */
  flags: string;
  /** `find` name patterns of the sources, e.g. ["*.c"]. */
  patterns: string[];
  /** The program to write, e.g. "/out/hello": a plain path (the program name has no shell characters). */
  out: string;
}

/**
 * One `/bin/sh -c` script. File names come from `find` and only ever travel quoted or
 * NUL-separated: spaces, quotes and glob characters in them are plain characters (a name with
 * a line break is the one thing the newline-split list cannot carry). Nothing in the text
 * depends on the build: the LLB stays byte-identical for the same manifest.
 */
export function compileLinkScript(p: CompileLink): string {
  const names = p.patterns.map((n) => `-name '${n}'`).join(" -o ");
  const find = p.patterns.length > 1 ? `find . \\( ${names} \\)` : `find . ${names}`;
  const cc = `$${p.compiler}`;
  const flags = `$${p.flags}`;
  const say = (s: string) => `echo "preset ${p.preset}: ${s}"`;
  return [
    // -f: the sources list is split on line breaks only, never globbed.
    "set -ef",
    "nl=$(printf '\\n_')",
    "IFS=${nl%_}",
    `set -- $(${find} | sort)`,
    "unset IFS",
    `[ "$#" -gt 0 ] || { echo "preset ${p.preset}: no ${p.patterns.join(", ")} file under $PWD" >&2; exit 1; }`,
    "o=$(mktemp -d)",
    "w=",
    // ccache's per-build log counts this build's hits; the compiler is identified by what
    // `$CC -v` prints (musl-gcc is a script around gcc: its own bytes or mtime would not change
    // when gcc does), computed once rather than once per file as `%compiler% -v` would.
    `if command -v ccache >/dev/null; then w=ccache; export CCACHE_BASEDIR="\${CCACHE_BASEDIR:-$PWD}" CCACHE_STATSLOG="$o/stats" CCACHE_COMPILERCHECK="\${CCACHE_COMPILERCHECK:-string:$(${cc} -v 2>&1 | sha256sum)}"; else ${say("the build image has no ccache: compiling without a cache")}; fi`,
    // Objects are numbered in the sorted order, zero-padded so the link's glob keeps that order.
    // xargs runs the compiler (or ccache) itself, no shell per file: `$CC $CFLAGS` split as
    // the old recipe split them, the source and `-o object` appended from the NUL-separated list.
    `i=0; for f; do i=$((i+1)); printf '%s\\0-o\\0%s/%09d.o\\0' "$f" "$o" "$i"; done | xargs -0 -n3 -P"$(nproc 2>/dev/null || echo 1)" $w ${cc} ${flags} -MD -c`,
    `if [ -f "$o/stats" ]; then ${say(`ccache: $(grep -cxE 'direct_cache_hit|preprocessed_cache_hit' "$o/stats" || :) of $# compiles were cache hits`)}; fi`,
    "set +f",
    `${cc} ${flags} -static -s -o ${p.out} "$o"/*.o`,
    'rm -rf "$o"',
  ].join("; ");
}
