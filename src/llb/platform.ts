import type { pb } from "../gen/proto.js";
import type { Platform } from "./types.js";

// Aliases and default variants as containerd's platforms.Normalize applies
// them, so equal platforms always produce equal op bytes.
function normalizeArch(arch: string, variant: string): [string, string] {
  switch (arch) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", variant === "v1" ? "" : variant];
    case "aarch64":
    case "arm64":
      if (variant === "8" || variant === "v8" || variant === "v8.0") return ["arm64", ""];
      if (variant === "9" || variant === "9.0" || variant === "v9.0") return ["arm64", "v9"];
      return ["arm64", variant];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (variant === "" || variant === "7") return ["arm", "v7"];
      if (variant === "5" || variant === "6" || variant === "8") return ["arm", `v${variant}`];
      return ["arm", variant];
    default:
      return [arch, variant];
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

const NODE_ARCH: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
};

/**
 * The platform Go's client would default to on this machine (platforms.DefaultSpec).
 * The OS is always linux: BuildKit workers that run scratchkit are Linux.
 */
export function hostPlatform(): Platform {
  return normalizePlatform({ os: "linux", architecture: NODE_ARCH[process.arch] ?? process.arch });
}

export function platformToPb(p: Platform): pb.Platform.$Properties {
  const out: pb.Platform.$Properties = { Architecture: p.architecture, OS: p.os };
  if (p.variant) out.Variant = p.variant;
  return out;
}
