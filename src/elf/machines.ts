import { canonicalArchitecture } from "../platform.js";
import {
  EF_ARM_ABI_FLOAT_HARD,
  EF_ARM_ABI_FLOAT_SOFT,
  EF_ARM_EABI_VER5,
  EF_ARM_EABIMASK,
  ELFCLASS64,
  ELFDATA2LSB,
} from "./constants.js";
import type { Platform } from "./types.js";

// e_machine values (gABI registry) for architectures with an OCI/Go name.
const EM = {
  SPARC: 2,
  I386: 3,
  M68K: 4,
  MIPS: 8,
  PARISC: 15,
  PPC: 20,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  SH: 42,
  SPARCV9: 43,
  IA_64: 50,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  LOONGARCH: 258,
} as const;

/**
 * OCI architecture name for (e_machine, class, data). The same e_machine covers several OCI
 * architectures (mips/mips64le, ppc64/ppc64le, s390/s390x), so class and byte order take part.
 */
export function ociArchitecture(machine: number, elfClass: number, data: number): string {
  const b64 = elfClass === ELFCLASS64;
  const le = data === ELFDATA2LSB;
  switch (machine) {
    case EM.X86_64:
      return b64 && le ? "amd64" : b64 ? "amd64be" : "x32"; // ELF32 x86-64 is the x32 ABI
    case EM.I386:
      return b64 ? "386-elf64" : "386";
    case EM.AARCH64:
      if (!b64) return le ? "arm64ilp32" : "arm64ilp32be";
      return le ? "arm64" : "arm64be";
    case EM.ARM:
      return le ? "arm" : "armbe";
    case EM.PPC64:
      return le ? "ppc64le" : "ppc64";
    case EM.PPC:
      return le ? "ppcle" : "ppc";
    case EM.S390:
      return b64 ? "s390x" : "s390";
    case EM.RISCV:
      return b64 ? "riscv64" : "riscv32";
    case EM.MIPS:
      return b64 ? (le ? "mips64le" : "mips64") : le ? "mipsle" : "mips";
    case EM.LOONGARCH:
      return b64 ? "loong64" : "loong32";
    case EM.SPARCV9:
      return "sparc64";
    case EM.SPARC:
      return "sparc";
    case EM.IA_64:
      return "ia64";
    case EM.PARISC:
      return "hppa";
    case EM.SH:
      return "sh4";
    case EM.M68K:
      return "m68k";
    default:
      return `unknown(e_machine=${machine})`;
  }
}

export interface MachineInfo {
  machine: number;
  elfClass: number;
  data: number;
  flags: number;
  osabi: number;
}

/** EI_OSABI values that mean "not Linux" (Linux binaries carry 0 = SYSV or 3 = GNU). */
const FOREIGN_OSABI: Record<number, string> = { 2: "netbsd", 6: "solaris", 9: "freebsd", 12: "openbsd" };

/**
 * Compare the ELF with the target platform. ARM float ABI only matters one way: a hard-float
 * binary needs a VFP unit that arm/v5 (armel) CPUs lack; a static soft-float binary runs anywhere.
 * v6 vs v7 lives in .ARM.attributes, not the header, so it is not checked.
 */
export function archMismatch(
  info: MachineInfo,
  platform: Platform,
): { expected: string; found: string } | undefined {
  const found = ociArchitecture(info.machine, info.elfClass, info.data);
  const expected = canonicalArchitecture(platform.architecture);
  const variant = platform.variant?.toLowerCase();
  const expectedName = variant && expected === "arm" ? `arm/${variant}` : expected;
  if (found !== expected) return { expected: expectedName, found };
  const foreignOs = FOREIGN_OSABI[info.osabi];
  if (foreignOs && platform.os.toLowerCase() === "linux") {
    return { expected: `linux/${expectedName}`, found: `${foreignOs}/${found}` };
  }
  if (found === "arm" && (info.flags & EF_ARM_EABIMASK) >>> 0 === EF_ARM_EABI_VER5) {
    const hard = (info.flags & EF_ARM_ABI_FLOAT_HARD) !== 0;
    const soft = (info.flags & EF_ARM_ABI_FLOAT_SOFT) !== 0;
    if (hard && !soft && variant !== undefined && /^v[1-5]/.test(variant)) {
      return { expected: expectedName, found: "arm (hard-float, needs VFP: v6 or later)" };
    }
  }
  return undefined;
}
