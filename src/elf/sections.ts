import { SHDR_SIZE, SHT_SYMTAB } from "./constants.js";
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

/**
 * stripped = no SHT_SYMTAB section. Section types suffice, so .shstrtab is never read.
 * Returns undefined when the table does not fit the remaining budget.
 */
export async function isStripped(
  reader: BoundedReader,
  h: ElfHeader,
  range: { offset: number; length: number } | null | undefined,
): Promise<boolean | undefined> {
  if (range === null) return true;
  if (range === undefined) return undefined;
  let table: Uint8Array;
  try {
    table = await reader.read(range.offset, range.length);
  } catch (e) {
    if (e instanceof BudgetError) return undefined;
    throw e;
  }
  if (table.length < range.length) throw new ElfError("truncated: section header table beyond end of file");
  const d = new Decoder(table, h.elfClass, h.data, "section header table");
  for (let p = 0; p + h.shentsize <= table.length; p += h.shentsize) {
    if (d.u32(p + 4) === SHT_SYMTAB) return false;
  }
  return true;
}
