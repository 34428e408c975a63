import type { pb } from "../gen/proto.js";
import { normalizePlatform } from "../platform.js";
import type { Platform } from "./types.js";

export { normalizePlatform } from "../platform.js";

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
