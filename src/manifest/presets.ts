import type { CacheMount, PackageManager, PresetName } from "./types.js";

/** What a language preset fills in; explicit manifest keys override or add to it. */
export interface PresetRecipe {
  packages: string[];
  env: Array<[string, string]>;
  /** Build commands; `program` is already validated as a plain name (no shell characters). */
  run: string[];
  cache: CacheMount[];
}

export const PRESETS: readonly PresetName[] = ["c", "c++", "go", "rust", "zig"];

const cache = (path: string, id: string): CacheMount => ({ path, id, sharing: "shared" });

/**
 * The recipe for a preset on a package manager. Every recipe links fully static by
 * construction: musl on Alpine (and musl-gcc on Debian for C), CGO off for Go, crt-static
 * for Rust, the musl target for Zig. Returns an error message when the combination cannot.
 */
export function presetRecipe(name: PresetName, pm: PackageManager, program: string): PresetRecipe | string {
  const out = `/out/${program}`;
  const debian = pm !== "apk";
  switch (name) {
    case "c":
      return {
        packages: pm === "apk" ? ["gcc", "musl-dev"] : pm === "apt" ? ["gcc", "musl-tools"] : [],
        // Debian's glibc cannot link NSS users fully static; musl-gcc wraps gcc with musl.
        env: [
          ["CC", debian ? "musl-gcc" : "cc"],
          ["CFLAGS", "-Os"],
        ],
        run: [`$CC $CFLAGS -static -s -o ${out} $(find . -name '*.c' | sort)`],
        cache: [],
      };
    case "c++":
      return {
        packages: pm === "apk" ? ["g++", "musl-dev"] : pm === "apt" ? ["g++"] : [],
        env: [
          ["CXX", "g++"],
          ["CXXFLAGS", "-Os"],
        ],
        run: [
          `$CXX $CXXFLAGS -static -s -o ${out} $(find . \\( -name '*.cpp' -o -name '*.cc' -o -name '*.cxx' \\) | sort)`,
        ],
        cache: [],
      };
    case "go":
      return {
        packages: pm === "apk" ? ["go"] : pm === "apt" ? ["golang-go"] : [],
        env: [
          ["CGO_ENABLED", "0"],
          ["GOCACHE", "/root/.cache/go-build"],
          ["GOMODCACHE", "/root/go/pkg/mod"],
        ],
        run: [`go build -trimpath -ldflags='-s -w' -o ${out} .`],
        cache: [
          cache("/root/.cache/go-build", "scratchkit-go-build"),
          cache("/root/go/pkg/mod", "scratchkit-go-mod"),
        ],
      };
    case "rust":
      return {
        packages: pm === "apk" ? ["cargo"] : pm === "apt" ? ["cargo"] : [],
        env: [
          ["RUSTFLAGS", "-C target-feature=+crt-static"],
          ["CARGO_TARGET_DIR", "/root/.cache/cargo-target"],
        ],
        // The target dir is a cache mount, so the program is copied out of it.
        // A cross build sets CARGO_BUILD_TARGET (build.cross), which puts the program under target/<triple>/.
        run: [
          `cargo build --release && cp "$CARGO_TARGET_DIR/\${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release/${program}" ${out}`,
        ],
        cache: [
          cache("/root/.cargo/registry", "scratchkit-cargo-registry"),
          cache("/root/.cache/cargo-target", "scratchkit-cargo-target"),
        ],
      };
    case "zig":
      if (pm !== "apk")
        return "preset zig needs Alpine (package-manager apk): Debian bookworm has no zig package";
      return {
        packages: ["zig"],
        env: [["ZIG_GLOBAL_CACHE_DIR", "/root/.cache/zig"]],
        run: [
          `zig build-exe -O ReleaseSmall -target "\${ZIG_TARGET:-native-linux-musl}" -fstrip -femit-bin=${out} "$(if [ -f src/main.zig ]; then echo src/main.zig; else echo main.zig; fi)"`,
        ],
        cache: [cache("/root/.cache/zig", "scratchkit-zig")],
      };
  }
}
