// How a build reaches another platform: the build stage runs either the build image's variant
// for the target (emulated under qemu when foreign) or the build platform's own, with the
// preset's toolchain told the target (cross). Pure.
import type { Manifest } from "../manifest/types.js";
import { formatPlatform, type Platform } from "../platform.js";

/** Presets whose toolchains target any platform from the build platform. */
const CROSS_BY_DEFAULT = new Set(["go", "rust", "zig"]);

/** Whether the manifest cross-compiles: `build.cross`, else its preset's default. */
export function crossCompiles(m: Pick<Manifest, "build" | "preset">): boolean {
  return m.build.cross?.value ?? (m.preset !== undefined && CROSS_BY_DEFAULT.has(m.preset));
}

/** Where the build stage runs for `target`. */
export function stagePlatformFor(
  m: Pick<Manifest, "build" | "preset">,
  build: Platform,
  target: Platform,
): Platform {
  return crossCompiles(m) ? build : target;
}

// GNU/musl triples' CPU names for the OCI architectures musl cross toolchains exist for.
const TRIPLE_CPU: Readonly<Record<string, string>> = {
  amd64: "x86_64",
  arm64: "aarch64",
  "386": "i686",
  riscv64: "riscv64",
  ppc64le: "powerpc64le",
  s390x: "s390x",
};

/** `aarch64-linux-musl` (arm/v7: armv7l-linux-musleabihf), or undefined when there is none. */
export function muslTriple(p: Platform): string | undefined {
  if (p.os !== "linux") return undefined;
  if (p.architecture === "arm")
    return p.variant === "v6" ? "arm-linux-musleabihf" : "armv7l-linux-musleabihf";
  const cpu = TRIPLE_CPU[p.architecture];
  return cpu ? `${cpu}-linux-musl` : undefined;
}

/** Rust's target for a static musl program on `p`. */
function rustTarget(p: Platform): string | undefined {
  if (p.architecture === "arm") return "armv7-unknown-linux-musleabihf";
  const cpu = TRIPLE_CPU[p.architecture];
  return cpu ? `${cpu}-unknown-linux-musl` : undefined;
}

/** Zig's `-target` CPU name. */
function zigCpu(p: Platform): string | undefined {
  if (p.architecture === "arm") return "arm";
  if (p.architecture === "386") return "x86";
  return TRIPLE_CPU[p.architecture];
}

export interface CrossSetup {
  /** Env the preset's commands read to target the platform. */
  env: Array<[string, string]>;
  /** A message when the preset cannot target the platform this way; the plan fails with it. */
  problem?: string;
  /** A command run before the build commands: refuses clearly when the build image lacks the cross compiler. */
  check?: string;
}

/**
 * What a cross build of `preset` for `target` sets. Nothing when the stage already runs on
 * the target platform: the preset's native recipe is right there.
 */
export function crossSetup(preset: string | undefined, build: Platform, target: Platform): CrossSetup {
  if (formatPlatform(build) === formatPlatform(target) || preset === undefined) return { env: [] };
  const shown = formatPlatform(target);
  switch (preset) {
    case "go": {
      const env: Array<[string, string]> = [
        ["GOOS", target.os],
        ["GOARCH", target.architecture],
      ];
      if (target.architecture === "arm") env.push(["GOARM", (target.variant ?? "v7").replace(/^v/, "")]);
      return { env };
    }
    case "rust": {
      const t = rustTarget(target);
      if (!t) return { env: [], problem: `the rust preset has no musl target for ${shown}` };
      // cargo reads it as --target; the preset's copy step follows it to target/<triple>/release.
      return { env: [["CARGO_BUILD_TARGET", t]] };
    }
    case "zig": {
      const cpu = zigCpu(target);
      if (!cpu) return { env: [], problem: `the zig preset has no target for ${shown}` };
      return { env: [["ZIG_TARGET", `${cpu}-linux-musl`]] };
    }
    case "c":
    case "c++": {
      const triple = muslTriple(target);
      if (!triple) return { env: [], problem: `no musl cross toolchain targets ${shown}` };
      const [key, tool] = preset === "c" ? ["CC", `${triple}-gcc`] : ["CXX", `${triple}-g++`];
      return {
        env: [[key, tool]],
        check: `command -v "$${key}" >/dev/null || { echo "build.cross: the build image has no musl cross compiler ${tool} for ${shown}; use an image that has one (build.image), or build under emulation with build.cross: false" >&2; exit 1; }`,
      };
    }
    default:
      return { env: [] };
  }
}
