// Concepts every layer shares, declared once: the target platform (parsed and normalized
// here, for the frontend's options and the CLI's flags alike) and the two build modes
// options, plan and LLB all speak of.
import { OptsError } from "./opts-error.js";

/** An OCI platform (image-spec names: amd64, arm64, arm + v6/v7, …); normalized where it enters the LLB builder. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** BuildKit's image.resolvemode: how a source image is resolved (`image-resolve-mode`). */
export type ImageResolveMode = "default" | "pull" | "local";

/** The network a build command runs with (`force-network-mode`, a step's `network`). */
export type NetworkMode = "sandbox" | "host" | "none";

/** `os/arch[/variant]`, as Docker prints it. */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/**
 * Other spellings of OCI architecture names (uname -m, Debian), the ones containerd's
 * platforms.Normalize knows: the one alias table, for the LLB's platforms and the gate's.
 */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  i386: "386",
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
};

/** The OCI name of an architecture (lowercased, aliases resolved), without touching the variant. */
export function canonicalArchitecture(arch: string): string {
  const a = arch.toLowerCase();
  return ARCH_ALIASES[a] ?? a;
}

// Default variants as containerd's platforms.Normalize applies them (Debian's armhf is
// v7, armel v6), so equal platforms always produce equal op bytes.
function normalizeArch(arch: string, variant: string): [string, string] {
  if (arch === "armhf") return ["arm", "v7"];
  if (arch === "armel") return ["arm", "v6"];
  const canonical = canonicalArchitecture(arch);
  switch (canonical) {
    case "386":
      return ["386", arch === "i386" ? "" : variant];
    case "amd64":
      return ["amd64", variant === "v1" ? "" : variant];
    case "arm64":
      if (variant === "8" || variant === "v8" || variant === "v8.0") return ["arm64", ""];
      if (variant === "9" || variant === "9.0" || variant === "v9.0") return ["arm64", "v9"];
      return ["arm64", variant];
    case "arm":
      if (variant === "" || variant === "7") return ["arm", "v7"];
      if (variant === "5" || variant === "6" || variant === "8") return ["arm", `v${variant}`];
      return ["arm", variant];
    default:
      return [canonical, variant];
  }
}

export function normalizePlatform(p: Platform): Platform {
  let os = p.os.toLowerCase();
  if (os === "macos") os = "darwin";
  const [architecture, variant] = normalizeArch(
    p.architecture.toLowerCase(),
    (p.variant ?? "").toLowerCase(),
  );
  return variant ? { os, architecture, variant } : { os, architecture };
}

// containerd's known GOOS values: a lone token in this set is an OS, anything else an architecture.
const KNOWN_OS = new Set(
  "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris windows zos".split(
    " ",
  ),
);

/**
 * Parses one platform specifier (`os/arch[/variant]`, or a lone arch meaning linux, or a
 * lone OS taking the architecture of `defaultPlatform`) and normalizes it.
 */
export function parsePlatform(spec: string, defaultPlatform?: Platform): Platform {
  const s = spec.trim();
  const parts = s.split("/");
  if (s === "" || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    throw new OptsError(`invalid platform "${spec}" (expected os/arch[/variant], e.g. linux/amd64)`);
  }
  // Aliases and default variants are containerd's, applied by normalizePlatform,
  // so an option and an op naming the same platform compare equal.
  if (parts.length === 1) {
    const only = (parts[0] as string).toLowerCase();
    if (!KNOWN_OS.has(only)) return normalizePlatform({ os: "linux", architecture: only });
    if (!defaultPlatform) throw new OptsError(`platform "${spec}" names no architecture`);
    return normalizePlatform({ ...defaultPlatform, os: only });
  }
  return normalizePlatform({
    os: parts[0] as string,
    architecture: parts[1] as string,
    ...(parts[2] ? { variant: parts[2] } : {}),
  });
}
