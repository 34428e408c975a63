import type { CacheMount, PackageManager, PresetName } from "../manifest/types.js";
import { CCACHE_ENV, CCACHE_MOUNT, compileLinkScript } from "./compile-link.js";

type Pairs = Array<[string, string]>;

/**
 * A language preset as data: what it installs, its build env and commands, and its caches.
 * Every recipe links fully static by construction: musl on Alpine (and musl-gcc on Debian
 * for C), CGO off for Go, crt-static for Rust, the musl target for Zig. The manifest's own
 * keys override or add to it (src/plan/preset.ts expands it).
 */
export interface Preset {
  /** Per package manager; "none": the build image already has the toolchain. */
  packages: Record<PackageManager, string[]>;
  /** Build env per package manager, in this order; build.env overrides it key by key. */
  env: Record<PackageManager, Pairs>;
  /** Build commands writing `out` (/out/<program>); `program` is a plain name (no shell characters). */
  run: (program: string, out: string) => string[];
  /** Cache mounts of the preset's commands; a build.cache at the same path replaces one. */
  cache: CacheMount[];
  /** A package manager the recipe cannot do without, and the error when the build has another. */
  requires?: { packageManager: PackageManager; message: string };
}

const cache = (path: string, id: string): CacheMount => ({ path, id, sharing: "shared" });
const onEvery = <T>(value: T): Record<PackageManager, T> => ({ apk: value, apt: value, none: value });
const cEnv = (cc: string): Pairs => [["CC", cc], ["CFLAGS", "-Os"], ...CCACHE_ENV];

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // Each source compiled on its own, in parallel, through ccache (kept in a cache mount) when
  // the image has it (package-manager none: only then), then one link (compile-link.ts).
  c: {
    packages: { apk: ["gcc", "musl-dev", "ccache"], apt: ["gcc", "musl-tools", "ccache"], none: [] },
    // Debian's glibc cannot link NSS users fully static; musl-gcc wraps gcc with musl.
    env: { apk: cEnv("cc"), apt: cEnv("musl-gcc"), none: cEnv("musl-gcc") },
    run: (_, out) => [
      compileLinkScript({ preset: "c", compiler: "CC", flags: "CFLAGS", patterns: ["*.c"], out }),
    ],
    cache: [CCACHE_MOUNT],
  },
  "c++": {
    packages: { apk: ["g++", "musl-dev", "ccache"], apt: ["g++", "ccache"], none: [] },
    env: onEvery<Pairs>([["CXX", "g++"], ["CXXFLAGS", "-Os"], ...CCACHE_ENV]),
    run: (_, out) => [
      compileLinkScript({
        preset: "c++",
        compiler: "CXX",
        flags: "CXXFLAGS",
        patterns: ["*.cpp", "*.cc", "*.cxx"],
        out,
      }),
    ],
    cache: [CCACHE_MOUNT],
  },
  go: {
    packages: { apk: ["go"], apt: ["golang-go"], none: [] },
    env: onEvery<Pairs>([
      ["CGO_ENABLED", "0"],
      ["GOCACHE", "/root/.cache/go-build"],
      ["GOMODCACHE", "/root/go/pkg/mod"],
    ]),
    run: (_, out) => [`go build -trimpath -ldflags='-s -w' -o ${out} .`],
    cache: [
      cache("/root/.cache/go-build", "scratchkit-go-build"),
      cache("/root/go/pkg/mod", "scratchkit-go-mod"),
    ],
  },
  rust: {
    packages: { apk: ["cargo"], apt: ["cargo"], none: [] },
    env: onEvery<Pairs>([
      ["RUSTFLAGS", "-C target-feature=+crt-static"],
      ["CARGO_TARGET_DIR", "/root/.cache/cargo-target"],
    ]),
    // The target dir is a cache mount, so the program is copied out of it. A cross build sets
    // CARGO_BUILD_TARGET (build.cross), which puts the program under target/<triple>/.
    run: (program, out) => [
      `cargo build --release && cp "$CARGO_TARGET_DIR/\${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release/${program}" ${out}`,
    ],
    cache: [
      cache("/root/.cargo/registry", "scratchkit-cargo-registry"),
      cache("/root/.cache/cargo-target", "scratchkit-cargo-target"),
    ],
  },
  zig: {
    packages: { apk: ["zig"], apt: [], none: [] },
    env: onEvery<Pairs>([["ZIG_GLOBAL_CACHE_DIR", "/root/.cache/zig"]]),
    run: (_, out) => [
      `zig build-exe -O ReleaseSmall -target "\${ZIG_TARGET:-native-linux-musl}" -fstrip -femit-bin=${out} "$(if [ -f src/main.zig ]; then echo src/main.zig; else echo main.zig; fi)"`,
    ],
    cache: [cache("/root/.cache/zig", "scratchkit-zig")],
    requires: {
      packageManager: "apk",
      message: "needs Alpine (package-manager apk): Debian bookworm has no zig package",
    },
  },
};
