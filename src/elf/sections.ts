import { SHDR_SIZE, SHT_PROGBITS, SHT_SYMTAB } from "./constants.js";
import { Decoder, toOffset } from "./decode.js";
import type { ElfHeader } from "./header.js";
import { type BoundedReader, BudgetError, ElfError } from "./reader.js";

/** Where the section header table is, resolving extended numbering (e_shnum 0 → count in section 0's sh_size). */
export async function sectionTableRange(
  reader: BoundedReader,
  h: ElfHeader,
): Promise<{ offset: number; length: number } | null | undefined> {
  if (h.shoff === 0) return null; // no section headers at all (e.g. sstrip, UPX)
  if (h.shentsize !== SHDR_SIZE[h.elfClass]) return undefined; // unusable; runtime never needs it
  let count = h.shnum;
  if (count === 0) {
    let s0: Uint8Array;
    try {
      s0 = await reader.read(h.shoff, h.shentsize);
    } catch (e) {
      if (e instanceof BudgetError) return undefined;
      throw e;
    }
    if (s0.length < h.shentsize) throw new ElfError("truncated: section header table beyond end of file");
    const d = new Decoder(s0, h.elfClass, h.data, "section header");
    count = toOffset(d.word(h.elfClass === 2 ? 32 : 20));
    if (count === 0) return null;
  }
  const length = count * h.shentsize;
  if (!Number.isSafeInteger(h.shoff + length)) throw new ElfError("section header table out of range");
  return { offset: h.shoff, length };
}

export interface SectionHeader {
  /** sh_name: offset of the name in the section name table. */
  name: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** sh_flags bits. */
export const SHF_WRITE = 1n;
export const SHF_ALLOC = 2n;
export const SHF_EXECINSTR = 4n;

/** Every entry of a section header table already read (Elf32_Shdr / Elf64_Shdr). */
export function parseSectionHeaders(table: Uint8Array, h: ElfHeader): SectionHeader[] {
  const d = new Decoder(table, h.elfClass, h.data, "section header table");
  const is64 = h.elfClass === 2;
  const at = is64
    ? { flags: 8, addr: 16, offset: 24, size: 32, link: 40, entsize: 56 }
    : { flags: 8, addr: 12, offset: 16, size: 20, link: 24, entsize: 36 };
  const out: SectionHeader[] = [];
  for (let p = 0; p + h.shentsize <= table.length; p += h.shentsize) {
    out.push({
      name: d.u32(p),
      type: d.u32(p + 4),
      flags: is64 ? d.u64(p + at.flags) : BigInt(d.u32(p + at.flags)),
      addr: d.word(p + at.addr),
      offset: toOffset(d.word(p + at.offset)),
      size: toOffset(d.word(p + at.size)),
      link: d.u32(p + at.link),
      entsize: toOffset(d.word(p + at.entsize)),
    });
  }
  return out;
}

export interface SymbolInfo {
  /** No SHT_SYMTAB section. */
  stripped: boolean;
  /**
   * What `strip --strip-all` would roughly save: .symtab, the string table it links to, and
   * non-allocated PROGBITS sections (.debug_*, .comment). Section sizes only, so .shstrtab is
   * never read; it ignores the shrinking section header table and alignment, hence "about".
   */
  strippableBytes: number;
}

/**
 * Symbol facts from section types and sizes alone. Returns undefined when the table does not fit
 * the remaining budget.
 */
export async function symbolInfo(
  reader: BoundedReader,
  h: ElfHeader,
  range: { offset: number; length: number } | null | undefined,
): Promise<SymbolInfo | undefined> {
  if (range === null) return { stripped: true, strippableBytes: 0 };
  if (range === undefined) return undefined;
  let table: Uint8Array;
  try {
    table = await reader.read(range.offset, range.length);
  } catch (e) {
    if (e instanceof BudgetError) return undefined;
    throw e;
  }
  if (table.length < range.length) throw new ElfError("truncated: section header table beyond end of file");
  const sections = parseSectionHeaders(table, h);
  let strippable = 0;
  const counted = new Set<number>();
  const count = (i: number) => {
    const s = sections[i];
    if (!s || (s.flags & SHF_ALLOC) !== 0n || counted.has(i) || !Number.isFinite(s.size)) return;
    counted.add(i);
    strippable += s.size;
  };
  let stripped = true;
  sections.forEach((s, i) => {
    if (s.type === SHT_SYMTAB) {
      stripped = false;
      count(i);
      count(s.link);
    } else if (s.type === SHT_PROGBITS) count(i);
  });
  return { stripped, strippableBytes: strippable };
}
