import {
  EHDR_SIZE,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  ELF_MAGIC,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  MAX_PHDR_TABLE,
  PHDR_SIZE,
  PT_LOAD,
} from "./constants.js";
import { Decoder, toOffset } from "./decode.js";
import { ElfError } from "./reader.js";

export interface ElfHeader {
  elfClass: 1 | 2;
  data: number;
  osabi: number;
  type: number;
  machine: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  /** e_shstrndx: the section holding section names (SHN_XINDEX 0xffff: in section 0's sh_link). */
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  /** p_flags: PF_X 1, PF_W 2, PF_R 4. */
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  align: bigint;
}

export function hasElfMagic(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** Parse and sanity-check the ELF header. `bytes` starts at file offset 0. */
export function parseHeader(bytes: Uint8Array): ElfHeader {
  const elfClass = bytes[EI_CLASS];
  const data = bytes[EI_DATA];
  if (elfClass !== ELFCLASS32 && elfClass !== ELFCLASS64) throw new ElfError(`bad ELF class ${elfClass}`);
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw new ElfError(`bad ELF byte order ${data}`);
  if (bytes.length < EHDR_SIZE[elfClass]) throw new ElfError("truncated ELF header");
  const d = new Decoder(bytes, elfClass, data, "ELF header");
  const is64 = elfClass === ELFCLASS64;
  // Field offsets differ only by the width of e_entry/e_phoff/e_shoff.
  const w = is64 ? 8 : 4;
  const flagsAt = 24 + 3 * w;
  return {
    elfClass,
    data,
    osabi: bytes[EI_OSABI] ?? 0,
    type: d.u16(16),
    machine: d.u16(18),
    entry: d.word(24),
    phoff: toOffset(d.word(24 + w)),
    shoff: toOffset(d.word(24 + 2 * w)),
    flags: d.u32(flagsAt),
    phentsize: d.u16(flagsAt + 6),
    phnum: d.u16(flagsAt + 8),
    shentsize: d.u16(flagsAt + 10),
    shnum: d.u16(flagsAt + 12),
    shstrndx: d.u16(flagsAt + 14),
  };
}

/** Byte range of the program header table, validated the way Linux validates it before exec. */
export function phdrTableRange(h: ElfHeader): { offset: number; length: number } {
  if (h.phnum === 0) throw new ElfError("no program headers");
  if (h.phentsize !== PHDR_SIZE[h.elfClass]) throw new ElfError(`bad e_phentsize ${h.phentsize}`);
  const length = h.phnum * h.phentsize;
  if (length > MAX_PHDR_TABLE) throw new ElfError(`program header table too large (${h.phnum} entries)`);
  if (!Number.isSafeInteger(h.phoff + length)) throw new ElfError("program header table offset out of range");
  return { offset: h.phoff, length };
}

export function parseProgramHeaders(table: Uint8Array, h: ElfHeader): ProgramHeader[] {
  const d = new Decoder(table, h.elfClass, h.data, "program header table");
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const p = i * h.phentsize;
    if (h.elfClass === ELFCLASS64) {
      out.push({
        type: d.u32(p),
        flags: d.u32(p + 4),
        offset: toOffset(d.u64(p + 8)),
        vaddr: d.u64(p + 16),
        filesz: toOffset(d.u64(p + 32)),
        align: d.u64(p + 48),
      });
    } else {
      out.push({
        type: d.u32(p),
        flags: d.u32(p + 24),
        offset: d.u32(p + 4),
        vaddr: BigInt(d.u32(p + 8)),
        filesz: d.u32(p + 16),
        align: BigInt(d.u32(p + 28)),
      });
    }
  }
  return out;
}

/**
 * Map a virtual address (DT_STRTAB and friends are addresses, not offsets) to a file offset via
 * the PT_LOAD segment holding it; `available` is how many file bytes that segment has from there.
 */
export function vaddrToOffset(
  phdrs: ProgramHeader[],
  addr: bigint,
): { offset: number; available: number } | undefined {
  for (const p of phdrs) {
    if (p.type !== PT_LOAD || !Number.isFinite(p.filesz) || !Number.isFinite(p.offset)) continue;
    if (addr < p.vaddr || addr >= p.vaddr + BigInt(p.filesz)) continue;
    const delta = Number(addr - p.vaddr); // < filesz, so a safe integer
    return { offset: p.offset + delta, available: p.filesz - delta };
  }
  return undefined;
}
