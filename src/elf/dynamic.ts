import {
  DF_1_PIE,
  DT_DEBUG,
  DT_FLAGS_1,
  DT_NEEDED,
  DT_NULL,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
  DYN_SIZE,
  PATH_MAX,
} from "./constants.js";
import { Decoder, toOffset } from "./decode.js";
import type { ElfHeader, ProgramHeader } from "./header.js";
import { vaddrToOffset } from "./header.js";
import { type BoundedReader, BudgetError, ElfError } from "./reader.js";
import { readCString } from "./strings.js";

export interface DynamicInfo {
  needed: string[];
  rpath?: string[];
  runpath?: string[];
  soname?: string;
  pie: boolean;
  /** ld and lld emit DT_DEBUG for executables only, never for -shared: tells static-pie from a library. */
  hasDebug: boolean;
}

/** Dynamic sections are a few hundred bytes; read in slices and stop at DT_NULL so a bogus p_filesz costs little. */
const SLICE = 2048;
/** Prefetch the string span in one read when it is this small (one round trip instead of one per name). */
const PREFETCH_SPAN = 8192;

export async function readDynamic(
  reader: BoundedReader,
  h: ElfHeader,
  phdrs: ProgramHeader[],
  dyn: ProgramHeader,
): Promise<DynamicInfo> {
  const entsize = DYN_SIZE[h.elfClass];
  const strOffsets: Array<{ tag: number; off: bigint }> = [];
  let strtab: bigint | undefined;
  let strsz: bigint | undefined;
  let pie = false;
  let hasDebug = false;
  let terminated = false;

  const total = Math.floor(dyn.filesz / entsize) * entsize;
  for (let pos = 0; pos < total && !terminated; pos += SLICE) {
    const want = Math.min(SLICE, total - pos);
    let bytes: Uint8Array;
    try {
      bytes = await reader.read(dyn.offset + pos, want);
    } catch (e) {
      // Unread entries could hold DT_NEEDED: refuse to guess rather than call it static.
      if (e instanceof BudgetError) throw new ElfError("dynamic section does not fit the read budget");
      throw e;
    }
    if (bytes.length < want) throw new ElfError("truncated: PT_DYNAMIC extends beyond end of file");
    const d = new Decoder(bytes, h.elfClass, h.data, "dynamic section");
    for (let p = 0; p + entsize <= bytes.length; p += entsize) {
      const tag = d.word(p);
      const val = d.word(p + d.wordSize());
      if (tag === BigInt(DT_NULL)) {
        terminated = true;
        break;
      }
      if (tag > 0x7fffffffn) continue; // tags beyond 31 bits (incl. negative 64-bit) are not ours
      const t = Number(tag);
      if (t === DT_NEEDED || t === DT_RPATH || t === DT_RUNPATH || t === DT_SONAME) {
        strOffsets.push({ tag: t, off: val });
      } else if (t === DT_STRTAB) strtab = val;
      else if (t === DT_STRSZ) strsz = val;
      else if (t === DT_FLAGS_1) pie = (Number(val & 0xffffffffn) & DF_1_PIE) !== 0;
      else if (t === DT_DEBUG) hasDebug = true;
    }
  }

  const names = await resolveStrings(reader, phdrs, strtab, strsz, strOffsets);
  const info: DynamicInfo = { needed: [], pie, hasDebug };
  strOffsets.forEach(({ tag }, i) => {
    const s = names[i] ?? "";
    if (tag === DT_NEEDED) info.needed.push(s);
    else if (tag === DT_SONAME) info.soname = s;
    else if (tag === DT_RPATH) info.rpath = [...(info.rpath ?? []), ...s.split(":")];
    else if (tag === DT_RUNPATH) info.runpath = [...(info.runpath ?? []), ...s.split(":")];
  });
  return info;
}

/** Look up .dynstr entries; anything unreadable becomes a visible placeholder rather than an error. */
async function resolveStrings(
  reader: BoundedReader,
  phdrs: ProgramHeader[],
  strtab: bigint | undefined,
  strsz: bigint | undefined,
  refs: Array<{ off: bigint }>,
): Promise<string[]> {
  const where = strtab === undefined ? undefined : vaddrToOffset(phdrs, strtab);
  const unreadable = (off: bigint) =>
    `<unreadable: .dynstr+0x${off.toString(16)}${where ? "" : ", DT_STRTAB not mapped by any PT_LOAD"}>`;
  if (!where || refs.length === 0) return refs.map((r) => unreadable(r.off));
  // The table ends at DT_STRSZ, at the end of its segment, whichever is first.
  const tableLen = Math.min(strsz === undefined ? where.available : toOffset(strsz), where.available);

  const inTable = refs.filter((r) => r.off < BigInt(tableLen)).map((r) => Number(r.off));
  if (inTable.length > 0) {
    const lo = inTable.reduce((a, b) => Math.min(a, b));
    const hi = inTable.reduce((a, b) => Math.max(a, b));
    const span = Math.min(hi - lo + 256, tableLen - lo);
    if (span <= PREFETCH_SPAN && !reader.isCached(where.offset + lo, span)) {
      try {
        await reader.read(where.offset + lo, span);
      } catch {
        // Over budget: fall back to per-string windows below, which may still fit.
      }
    }
  }

  const out: string[] = [];
  for (const r of refs) {
    if (r.off >= BigInt(tableLen)) {
      out.push(unreadable(r.off));
      continue;
    }
    const off = Number(r.off);
    const s = await readCString(reader, where.offset + off, Math.min(PATH_MAX, tableLen - off));
    out.push(s ?? unreadable(r.off));
  }
  return out;
}
