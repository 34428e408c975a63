// Go's embedded build info (what `go version -m` prints), read from an ELF file's bytes: the
// `.go.buildinfo` section starts with a 32-byte header `\xff Go buildinf:`, pointer size and
// flags; Go ≥1.18 writes the version and module strings inline after it (varint lengths),
// older Go writes two pointers to string headers in the data segment.

import { Decoder } from "./decode.js";
import { hasElfMagic, parseHeader, parseProgramHeaders, phdrTableRange, vaddrToOffset } from "./header.js";
import { BoundedReader, ElfError } from "./reader.js";
import { parseSectionHeaders, sectionTableRange } from "./sections.js";
import { bufferSource } from "./sources.js";

export interface GoBuildInfo {
  /** e.g. `go1.19.8`. */
  goVersion: string;
  /** The modinfo text: `path`, `mod`, `dep`, `=>` and `build` lines, tab-separated. */
  modInfo: string;
}

const MAGIC_BYTES = Uint8Array.from([0xff, ...new TextEncoder().encode(" Go buildinf:")]);
const HEADER = 32;
const FLAG_BIG_ENDIAN = 1;
const FLAG_INLINE = 2;

/** The build info of a Go ELF binary, or undefined when it has none (not Go, or not ELF). Pure. */
export async function readGoBuildInfo(bytes: Uint8Array): Promise<GoBuildInfo | undefined> {
  if (!hasElfMagic(bytes)) return undefined;
  const h = parseHeader(bytes);
  const start = (await sectionStart(bytes, h)) ?? scanForMagic(bytes);
  if (start === undefined || !startsWithMagic(bytes, start)) return undefined;
  const ptrSize = bytes[start + 14] ?? 0;
  const flags = bytes[start + 15] ?? 0;
  if (flags & FLAG_INLINE) {
    const v = readVarintBytes(bytes, start + HEADER);
    const m = readVarintBytes(bytes, v.next);
    return { goVersion: utf8(v.value), modInfo: utf8(stripSentinels(m.value)) };
  }
  // Pointer format (Go <1.18): two pointers to Go string headers {data pointer, length}.
  if (ptrSize !== 4 && ptrSize !== 8) throw new ElfError(`Go build info: bad pointer size ${ptrSize}`);
  const phdrs = parseProgramHeaders(bytes.subarray(phdrTableRange(h).offset), h);
  const order = flags & FLAG_BIG_ENDIAN ? 2 : 1;
  const d = new Decoder(bytes, ptrSize === 8 ? 2 : 1, order, "Go build info");
  const ptr = (at: number) => (ptrSize === 8 ? d.u64(at) : BigInt(d.u32(at)));
  const goString = (addr: bigint): Uint8Array => {
    const hdr = vaddrToOffset(phdrs, addr);
    if (!hdr) return new Uint8Array();
    const data = vaddrToOffset(phdrs, ptr(hdr.offset));
    const len = Number(ptr(hdr.offset + ptrSize));
    if (!data || len > data.available) return new Uint8Array();
    return bytes.subarray(data.offset, data.offset + len);
  };
  return {
    goVersion: utf8(goString(ptr(start + 16))),
    modInfo: utf8(stripSentinels(goString(ptr(start + 16 + ptrSize)))),
  };
}

async function sectionStart(
  bytes: Uint8Array,
  h: ReturnType<typeof parseHeader>,
): Promise<number | undefined> {
  const reader = new BoundedReader(bufferSource(bytes), bytes.length);
  const range = await sectionTableRange(reader, h);
  if (!range) return undefined;
  const sections = parseSectionHeaders(bytes.subarray(range.offset, range.offset + range.length), h);
  const names = sections[h.shstrndx];
  if (!names) return undefined;
  const want = ".go.buildinfo";
  for (const s of sections) {
    const at = names.offset + s.name;
    const name = new TextDecoder().decode(bytes.subarray(at, at + want.length + 1));
    if (name === `${want}\0`) return s.offset;
  }
  return undefined;
}

/** Stripped of section headers: the header is 16-byte aligned, as `go version` searches it. */
function scanForMagic(bytes: Uint8Array): number | undefined {
  for (let i = 0; i + HEADER <= bytes.length; i += 16) if (startsWithMagic(bytes, i)) return i;
  return undefined;
}

function startsWithMagic(bytes: Uint8Array, at: number): boolean {
  return MAGIC_BYTES.every((b, i) => bytes[at + i] === b);
}

function readVarintBytes(bytes: Uint8Array, at: number): { value: Uint8Array; next: number } {
  let len = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const b = bytes[p++];
    if (b === undefined || shift > 28) throw new ElfError("Go build info: bad string length");
    len += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (p + len > bytes.length) throw new ElfError("Go build info: string beyond end of file");
  return { value: bytes.subarray(p, p + len), next: p + len };
}

/** The linker wraps modinfo in 16-byte sentinels; `go version -m` drops them the same way. */
function stripSentinels(s: Uint8Array): Uint8Array {
  return s.length >= 33 && s[s.length - 17] === 0x0a ? s.subarray(16, s.length - 16) : s;
}

function utf8(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
