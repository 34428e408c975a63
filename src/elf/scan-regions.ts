// Where the NSS scan reads: the file ranges that can hold a string literal. A compiler puts
// every literal (glibc's "libnss_", "nsswitch.conf", a dlopen()ed "libm.so.6") in .rodata, so
// with section headers only the .rodata* sections are read, minus the large data objects the
// symbol table (when present) places there; without usable section headers, the read-only data
// segments. Code, .eh_frame, .data and debug info are never read, whatever their size.
import { MAX_PHDR_TABLE, PT_LOAD, SHT_SYMTAB } from "./constants.js";
import { Decoder, toOffset } from "./decode.js";
import { type ElfHeader, hasElfMagic, parseHeader, parseProgramHeaders, phdrTableRange } from "./header.js";
import type { BoundedReader } from "./reader.js";
import {
  parseSectionHeaders,
  type SectionHeader,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  sectionTableRange,
} from "./sections.js";

export interface Region {
  offset: number;
  length: number;
}

/** First page: the ELF header (the program header table is read on its own). */
const HEADER_READ = 4096;
/** Section tables and name tables above this are not real toolchain output: use the segments. */
const MAX_TABLE = 65536;
/** STT_OBJECT symbols at least this large are data (tables, blobs), not string literals. */
export const BIG_OBJECT = 4096;
/** p_flags */
const PF_X = 1;
const PF_W = 2;
const STT_OBJECT = 1;

/**
 * Ranges to scan, sorted and merged; undefined when the headers cannot be read. `budget` is what
 * the scan may still read: the symbol table is read (to cut big objects out) only when the
 * .rodata sections alone do not fit it and the table itself takes at most half of it.
 */
export async function scanRegions(reader: BoundedReader, budget: number): Promise<Region[] | undefined> {
  let h: ElfHeader;
  try {
    const first = await reader.read(0, HEADER_READ);
    if (!hasElfMagic(first)) return undefined;
    h = parseHeader(first);
  } catch {
    return undefined; // the verdict already judged the headers; a scan never adds an error
  }
  const fromSections = await rodataRegions(reader, h, budget).catch(() => undefined);
  if (fromSections && fromSections.length > 0) return fromSections;
  return segmentRegions(reader, h).catch(() => undefined);
}

async function rodataRegions(
  reader: BoundedReader,
  h: ElfHeader,
  budget: number,
): Promise<Region[] | undefined> {
  const range = await sectionTableRange(reader, h);
  if (!range || range.length > MAX_TABLE) return undefined;
  const table = await reader.read(range.offset, range.length);
  if (table.length < range.length) return undefined;
  const sections = parseSectionHeaders(table, h);
  const names = sections[h.shstrndx === 0xffff ? (sections[0]?.link ?? 0) : h.shstrndx];
  if (!names || names.size > MAX_TABLE || !Number.isFinite(names.offset)) return undefined;
  const nameBytes = Buffer.from(await reader.read(names.offset, names.size));
  const nameOf = (s: SectionHeader) => {
    if (s.name >= nameBytes.length) return "";
    const end = nameBytes.indexOf(0, s.name);
    return nameBytes.toString("latin1", s.name, end < 0 ? nameBytes.length : end);
  };
  const rodata = sections
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => isReadOnlyData(s) && /^\.rodata(\.|$)/.test(nameOf(s)));
  const regions = rodata.map(({ s }) => ({ offset: s.offset, length: s.size }));
  const total = regions.reduce((n, r) => n + r.length, 0);
  if (total <= budget - reader.bytesRead) return merge(regions);
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab || symtab.size > (budget - reader.bytesRead) / 2) return merge(regions);
  const holes = await bigObjects(reader, h, symtab, new Map(rodata.map(({ s, index }) => [index, s])));
  return subtract(merge(regions), merge(holes));
}

/** Allocated, neither writable nor executable, with bytes in the file. */
function isReadOnlyData(s: SectionHeader): boolean {
  return (
    (s.flags & SHF_ALLOC) !== 0n &&
    (s.flags & (SHF_WRITE | SHF_EXECINSTR)) === 0n &&
    s.type !== 8 && // SHT_NOBITS
    s.size > 0 &&
    Number.isSafeInteger(s.offset + s.size)
  );
}

/** File ranges of STT_OBJECT symbols of at least BIG_OBJECT bytes inside the given sections. */
async function bigObjects(
  reader: BoundedReader,
  h: ElfHeader,
  symtab: SectionHeader,
  inSections: Map<number, SectionHeader>,
): Promise<Region[]> {
  const bytes = await reader.read(symtab.offset, symtab.size);
  const is64 = h.elfClass === 2;
  const size = is64 ? 24 : 16;
  const d = new Decoder(bytes, h.elfClass, h.data, "symbol table");
  const out: Region[] = [];
  for (let p = 0; p + size <= bytes.length; p += size) {
    const info = is64 ? (bytes[p + 4] ?? 0) : (bytes[p + 12] ?? 0);
    if ((info & 0xf) !== STT_OBJECT) continue;
    const shndx = d.u16(is64 ? p + 6 : p + 14);
    const value = is64 ? d.u64(p + 8) : BigInt(d.u32(p + 4));
    const length = toOffset(is64 ? d.u64(p + 16) : BigInt(d.u32(p + 8)));
    const sec = inSections.get(shndx);
    if (!sec || length < BIG_OBJECT || value < sec.addr) continue;
    const delta = toOffset(value - sec.addr);
    // Only objects wholly inside their section: a lying symbol cannot hide bytes elsewhere.
    if (delta + length > sec.size) continue;
    out.push({ offset: sec.offset + delta, length });
  }
  return out;
}

/** Without section headers: the read-only, non-executable PT_LOAD segments (or, in a layout
 * that puts constants beside code, every read-only one). */
async function segmentRegions(reader: BoundedReader, h: ElfHeader): Promise<Region[] | undefined> {
  const pt = phdrTableRange(h);
  if (pt.length > MAX_PHDR_TABLE) return undefined;
  const table = await reader.read(pt.offset, pt.length);
  if (table.length < pt.length) return undefined;
  const loads = parseProgramHeaders(table, h).filter(
    (p) =>
      p.type === PT_LOAD &&
      (p.flags & PF_W) === 0 &&
      p.filesz > 0 &&
      Number.isSafeInteger(p.offset + p.filesz),
  );
  const data = loads.filter((p) => (p.flags & PF_X) === 0);
  return merge((data.length > 0 ? data : loads).map((p) => ({ offset: p.offset, length: p.filesz })));
}

/** Sorted, overlapping or touching ranges joined. */
export function merge(regions: Region[]): Region[] {
  const out: Region[] = [];
  for (const r of [...regions].sort((a, b) => a.offset - b.offset)) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else out.push({ ...r });
  }
  return out;
}

/** `keep` minus `holes`, both sorted and merged. */
export function subtract(keep: Region[], holes: Region[]): Region[] {
  const out: Region[] = [];
  for (const r of keep) {
    let pos = r.offset;
    const end = r.offset + r.length;
    for (const hole of holes) {
      const hEnd = hole.offset + hole.length;
      if (hEnd <= pos || hole.offset >= end) continue;
      if (hole.offset > pos) out.push({ offset: pos, length: hole.offset - pos });
      pos = Math.max(pos, hEnd);
    }
    if (pos < end) out.push({ offset: pos, length: end - pos });
  }
  return out;
}
