// Mutants of seed ELF files for `npm run fuzz:elf`: byte patches and truncations aimed at the
// bytes the reader parses. The seeds' layout is read with src/elf's own header, program header
// and dynamic-entry parsers (the seeds are valid, so those parsers are the reference here).
import {
  DT_NULL,
  DT_STRSZ,
  DT_STRTAB,
  DYN_SIZE,
  EHDR_SIZE,
  PT_DYNAMIC,
  PT_INTERP,
  PT_NOTE,
  SHDR_SIZE,
} from "../../src/elf/constants.js";
import { Decoder } from "../../src/elf/decode.js";
import {
  type ElfHeader,
  type ProgramHeader,
  parseHeader,
  parseProgramHeaders,
  phdrTableRange,
  vaddrToOffset,
} from "../../src/elf/header.js";
import type { ByteSource } from "../../src/elf/types.js";

export interface Patch {
  at: number;
  bytes: number[];
}

/** A mutant: the seed with byte patches and an optional truncation, applied lazily on read. */
export interface Mutation {
  patches: Patch[];
  truncate?: number;
}

export interface Region {
  name: "ehdr" | "phdrs" | "shdrs" | "interp" | "note" | "dynamic" | "dynstr";
  offset: number;
  length: number;
}

export interface Seed {
  name: string;
  bytes: Uint8Array;
  regions: Region[];
}

export type Rand = () => number;

/** A small seeded PRNG (mulberry32): the same seed gives the same run. */
export function mulberry32(seed: number): Rand {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

/** The mutant as a ByteSource; `charge` sees every requested length, as a budget check needs. */
export function overlaySource(bytes: Uint8Array, m: Mutation, charge: (n: number) => void): ByteSource {
  const size = m.truncate ?? bytes.length;
  return {
    size,
    async read(offset, length) {
      charge(length);
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const out = bytes.slice(offset, end);
      for (const p of m.patches) {
        const a = Math.max(p.at, offset);
        const b = Math.min(p.at + p.bytes.length, end);
        for (let k = a; k < b; k++) out[k - offset] = p.bytes[k - p.at] as number;
      }
      return out;
    },
  };
}

/** The mutant's bytes, for tools that read files (readelf). */
export function materialize(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = bytes.slice(0, m.truncate ?? bytes.length);
  for (const p of m.patches)
    for (let k = 0; k < p.bytes.length && p.at + k < out.length; k++) out[p.at + k] = p.bytes[k] as number;
  return out;
}

/** Whether a patch hits a region the verdict depends on (notes only feed build-id / ABI tag). */
export function touches(patches: Patch[], regions: Region[]): boolean {
  const parsed = regions.filter((r) => r.name !== "note");
  return patches.some((p) =>
    parsed.some((r) => p.at < r.offset + r.length && r.offset < p.at + p.bytes.length),
  );
}

interface Layout {
  header: ElfHeader;
  phdrs: ProgramHeader[];
}

function layout(b: Uint8Array): Layout {
  const header = parseHeader(b);
  const t = phdrTableRange(header);
  return { header, phdrs: parseProgramHeaders(b.subarray(t.offset, t.offset + t.length), header) };
}

/** The byte ranges inspectElf parses, from the (valid) seed: header, phdrs, interp, dynamic, .dynstr, shdrs. */
export function regionsOf(b: Uint8Array): Region[] {
  const { header: h, phdrs } = layout(b);
  const regions: Region[] = [
    { name: "ehdr", offset: 0, length: EHDR_SIZE[h.elfClass] },
    { name: "phdrs", offset: h.phoff, length: h.phnum * h.phentsize },
  ];
  if (h.shoff > 0) regions.push({ name: "shdrs", offset: h.shoff, length: h.shnum * SHDR_SIZE[h.elfClass] });
  let strtab: bigint | undefined;
  let strsz: number | undefined;
  for (const p of phdrs) {
    if (p.type === PT_INTERP) regions.push({ name: "interp", offset: p.offset, length: p.filesz });
    if (p.type === PT_NOTE) regions.push({ name: "note", offset: p.offset, length: p.filesz });
    if (p.type !== PT_DYNAMIC) continue;
    regions.push({ name: "dynamic", offset: p.offset, length: p.filesz });
    const d = new Decoder(b.subarray(p.offset, p.offset + p.filesz), h.elfClass, h.data, "dynamic section");
    const size = DYN_SIZE[h.elfClass];
    for (let e = 0; e + size <= p.filesz; e += size) {
      const tag = d.word(e);
      if (tag === BigInt(DT_NULL)) break;
      if (tag === BigInt(DT_STRTAB)) strtab = d.word(e + d.wordSize());
      if (tag === BigInt(DT_STRSZ)) strsz = Number(d.word(e + d.wordSize()));
    }
  }
  const at = strtab === undefined ? undefined : vaddrToOffset(phdrs, strtab);
  if (at) regions.push({ name: "dynstr", offset: at.offset, length: strsz ?? 4096 });
  return regions;
}

const BOUNDARY = [
  0n,
  1n,
  2n,
  3n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x10000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
] as const;

/** One to four mutations: bit flips, byte sets, a truncation, splices from seeds, field overwrites. */
export function mutate(rand: Rand, seed: Seed, seeds: Seed[]): Mutation {
  const n = seed.bytes.length;
  const patches: Patch[] = [];
  let truncate: number | undefined;
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const op = rand();
    if (op < 0.25) {
      const at = target(rand, seed);
      patches.push({ at, bytes: [(seed.bytes[at] as number) ^ (1 << Math.floor(rand() * 8))] });
    } else if (op < 0.45) {
      const at = target(rand, seed);
      patches.push({ at, bytes: [pick(rand, [0, 0xff, 0x7f, 0x80, 1, Math.floor(rand() * 256)])] });
    } else if (op < 0.55) {
      const cuts = [
        Math.floor(rand() * 128),
        Math.floor(rand() * 4096),
        Math.floor(rand() * 65536),
        Math.floor(rand() * n),
        n - 1 - Math.floor(rand() * 64),
      ];
      truncate = Math.max(0, Math.min(n, pick(rand, cuts)));
    } else if (op < 0.7) {
      const other = pick(rand, seeds).bytes;
      const len = 1 + Math.floor(rand() * 256);
      const from = Math.floor(rand() * Math.max(1, other.length - len));
      const at = target(rand, seed);
      patches.push({ at, bytes: Array.from(other.subarray(from, from + len)).slice(0, Math.max(0, n - at)) });
    } else {
      patches.push(fieldOverwrite(rand, seed));
    }
  }
  return {
    patches: patches.filter((p) => p.bytes.length > 0 && p.at < n),
    ...(truncate !== undefined ? { truncate } : {}),
  };
}

/** An offset, biased to what the reader parses: headers, tables, dynamic, strings, notes. */
function target(rand: Rand, seed: Seed): number {
  const x = rand();
  const n = seed.bytes.length;
  if (x < 0.7 && seed.regions.length > 0) {
    const r = pick(rand, seed.regions);
    return Math.min(n - 1, r.offset + Math.floor(rand() * Math.max(1, r.length)));
  }
  if (x < 0.9) return Math.floor(rand() * Math.min(n, 65536));
  return Math.floor(rand() * n);
}

/** Overwrite one ELF header, program header or dynamic field with a boundary value. */
function fieldOverwrite(rand: Rand, seed: Seed): Patch {
  const { header: h } = layout(seed.bytes);
  const is64 = h.elfClass === 2;
  const w = is64 ? 8 : 4;
  // [offset, size]: e_ident class and data, e_type, e_machine, e_entry, e_phoff, e_shoff,
  // e_phentsize, e_phnum, e_shentsize, e_shnum.
  const fields: Array<[number, number]> = [
    [4, 1],
    [5, 1],
    [16, 2],
    [18, 2],
    [24, w],
    [24 + w, w],
    [24 + 2 * w, w],
    [24 + 3 * w + 6, 2],
    [24 + 3 * w + 8, 2],
    [24 + 3 * w + 10, 2],
    [24 + 3 * w + 12, 2],
  ];
  if (h.phnum > 0 && h.phoff + h.phnum * h.phentsize <= seed.bytes.length) {
    const p = h.phoff + Math.floor(rand() * h.phnum) * h.phentsize;
    // p_type, p_offset, p_vaddr, p_filesz, p_memsz: thrice as likely as a header field.
    const pf: Array<[number, number]> = is64
      ? [
          [0, 4],
          [8, 8],
          [16, 8],
          [32, 8],
          [40, 8],
        ]
      : [
          [0, 4],
          [4, 4],
          [8, 4],
          [16, 4],
          [20, 4],
        ];
    for (let k = 0; k < 3; k++) fields.push(...pf.map(([o, s]): [number, number] => [p + o, s]));
  }
  const dyn = seed.regions.find((r) => r.name === "dynamic");
  if (dyn) {
    const ents = Math.floor(dyn.length / (2 * w));
    const e = dyn.offset + Math.floor(rand() * Math.max(1, ents)) * 2 * w;
    for (let k = 0; k < 3; k++) fields.push([e, w], [e + w, w]);
  }
  const [at, size] = pick(rand, fields);
  const v = pick(rand, BOUNDARY) & ((1n << BigInt(size * 8)) - 1n);
  const le = h.data !== 2;
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) {
    const shift = BigInt(le ? i * 8 : (size - 1 - i) * 8);
    bytes.push(Number((v >> shift) & 0xffn));
  }
  return { at, bytes };
}
