import { classify } from "./classify.js";
import {
  DEFAULT_BUDGET,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  FIRST_READ,
  PATH_MAX,
  PT_DYNAMIC,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
} from "./constants.js";
import { type DynamicInfo, readDynamic } from "./dynamic.js";
import {
  type ElfHeader,
  hasElfMagic,
  type ProgramHeader,
  parseHeader,
  parseProgramHeaders,
  phdrTableRange,
} from "./header.js";
import { archMismatch, ociArchitecture } from "./machines.js";
import { type NoteInfo, parseNotes } from "./notes.js";
import { BoundedReader, BudgetError, ElfError } from "./reader.js";
import { hasShebang, shebangInterpreter } from "./script.js";
import { sectionTableRange, symbolInfo } from "./sections.js";
import { printable } from "./strings.js";
import type { ByteSource, InspectOptions, Platform, Report } from "./types.js";

/** Notes worth reading (build-id, ABI tag) are tens of bytes; cap what a bogus PT_NOTE can cost. */
const NOTE_READ_CAP = 1024;
const MAX_NOTE_SEGMENTS = 8;
/** Below this not even an ELF64 header fits. */
const MIN_BUDGET = 64;

const TYPE_NAMES: Record<number, string> = {
  [ET_REL]: "ET_REL (relocatable object)",
  [ET_CORE]: "ET_CORE (core dump)",
};

/** Files up to this size (when known) are read whole at once: one round trip in the frontend. */
export const WHOLE_FILE_READ = 32768;

/**
 * The first read: the first page, or the whole file when its size is known, small and within half
 * the budget. A small program's section headers sit at its end, so reading it whole turns the
 * 3-4 reads a verdict takes into one (each is a ReadFile round trip through the bridge).
 */
function firstRead(reader: BoundedReader): number {
  const page = Math.min(FIRST_READ, reader.budget);
  const size = reader.size;
  return size !== undefined && size > page && size <= Math.min(WHOLE_FILE_READ, reader.budget / 2)
    ? size
    : page;
}

/**
 * Classify one artifact's linkage reading at most `budget` bytes (default 64 KiB) from `src`.
 * Never throws: a corrupt, truncated or hostile file, or a failing source, yields kind "invalid".
 */
export async function inspectElf(src: ByteSource, opts: InspectOptions = {}): Promise<Report> {
  const b = opts.budget;
  const budget = typeof b === "number" && Number.isSafeInteger(b) && b >= 0 ? b : DEFAULT_BUDGET;
  const reader = new BoundedReader(src, budget);
  try {
    return await inspect(reader, opts.platform);
  } catch (e) {
    const reason =
      e instanceof ElfError || e instanceof BudgetError
        ? e.message
        : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    return { verdict: { kind: "invalid", reason }, bytesRead: reader.bytesRead };
  }
}

async function inspect(reader: BoundedReader, platform: Platform | undefined): Promise<Report> {
  if (reader.budget < MIN_BUDGET)
    throw new ElfError(`read budget ${reader.budget} is below ${MIN_BUDGET} bytes`);
  const first = await reader.read(0, firstRead(reader));
  if (!hasElfMagic(first)) {
    const verdict = hasShebang(first)
      ? { kind: "script" as const, interpreter: shebangInterpreter(first) }
      : { kind: "not-elf" as const };
    return { verdict, bytesRead: reader.bytesRead };
  }

  const h = parseHeader(first);
  if (h.type !== ET_EXEC && h.type !== ET_DYN) {
    throw new ElfError(`not an executable or shared object: e_type ${TYPE_NAMES[h.type] ?? h.type}`);
  }
  const pt = phdrTableRange(h);
  const table = await reader.read(pt.offset, pt.length);
  if (table.length < pt.length) throw new ElfError("truncated: program header table beyond end of file");
  const phdrs = parseProgramHeaders(table, h);
  if (!phdrs.some((p) => p.type === PT_LOAD)) throw new ElfError("no PT_LOAD segment");

  const sections = await sectionTableRange(reader, h);
  await checkExtents(reader, phdrs, sections ?? undefined);

  const interpreter = await readInterpreter(
    reader,
    phdrs.find((p) => p.type === PT_INTERP),
  );
  const dynSeg = phdrs.find((p) => p.type === PT_DYNAMIC);
  const dynamic: DynamicInfo | undefined = dynSeg ? await readDynamic(reader, h, phdrs, dynSeg) : undefined;
  const notes = await readNotes(reader, h, phdrs);
  const symbols = await symbolInfo(reader, h, sections);

  const machine = ociArchitecture(h.machine, h.elfClass, h.data);
  const report: Report = {
    verdict: classify({ type: h.type, machine, interpreter, dynamic }),
    bytesRead: reader.bytesRead,
  };
  const mismatch = platform
    ? archMismatch(
        { machine: h.machine, elfClass: h.elfClass, data: h.data, flags: h.flags, osabi: h.osabi },
        platform,
      )
    : undefined;
  if (mismatch) report.archMismatch = mismatch;
  if (dynamic?.rpath) report.rpath = dynamic.rpath;
  if (dynamic?.runpath) report.runpath = dynamic.runpath;
  if (dynamic?.soname !== undefined) report.soname = dynamic.soname;
  if (symbols !== undefined) {
    report.stripped = symbols.stripped;
    if (!symbols.stripped) report.strippableBytes = symbols.strippableBytes;
  }
  if (notes.buildId) report.buildId = notes.buildId;
  if (notes.abiTag) report.abiTag = notes.abiTag;
  return report;
}

/**
 * A truncated copy must not pass as a valid static binary: every byte range the file claims
 * (loaded segments, interpreter, dynamic section, section headers) has to exist. With an unknown
 * size this costs one probe byte at the furthest claimed offset.
 */
async function checkExtents(
  reader: BoundedReader,
  phdrs: ProgramHeader[],
  sections: { offset: number; length: number } | undefined,
): Promise<void> {
  let end = 0;
  let what = "";
  const claim = (start: number, length: number, name: string) => {
    if (length === 0) return;
    const e = start + length;
    if (!Number.isSafeInteger(e)) throw new ElfError(`${name} offset/size out of range`);
    if (e > end) {
      end = e;
      what = name;
    }
  };
  for (const p of phdrs) {
    if (p.type === PT_LOAD) claim(p.offset, p.filesz, "PT_LOAD segment");
    else if (p.type === PT_INTERP) claim(p.offset, p.filesz, "PT_INTERP");
    else if (p.type === PT_DYNAMIC) claim(p.offset, p.filesz, "PT_DYNAMIC");
  }
  if (sections) claim(sections.offset, sections.length, "section header table");
  if (end === 0) return;
  if (reader.size === undefined) {
    try {
      await reader.read(end - 1, 1);
    } catch (e) {
      if (e instanceof BudgetError)
        throw new ElfError("read budget exhausted before the file size was known");
      throw e;
    }
  }
  if (reader.size !== undefined && end > reader.size) {
    throw new ElfError(`truncated: ${what} ends at byte ${end}, beyond end of file (${reader.size} bytes)`);
  }
}

/** PT_INTERP as Linux checks it: 2..PATH_MAX bytes, NUL-terminated. */
async function readInterpreter(
  reader: BoundedReader,
  p: ProgramHeader | undefined,
): Promise<string | undefined> {
  if (!p) return undefined;
  if (p.filesz < 2 || p.filesz > PATH_MAX) throw new ElfError(`bad PT_INTERP size ${p.filesz}`);
  const bytes = await reader.read(p.offset, p.filesz);
  if (bytes.length < p.filesz) throw new ElfError("truncated: PT_INTERP beyond end of file");
  if (bytes[bytes.length - 1] !== 0) throw new ElfError("PT_INTERP is not NUL-terminated");
  return printable(bytes.subarray(0, bytes.indexOf(0)));
}

/** Build-id and ABI tag are informational: any problem here is ignored, never fatal. */
async function readNotes(reader: BoundedReader, h: ElfHeader, phdrs: ProgramHeader[]): Promise<NoteInfo> {
  const info: NoteInfo = {};
  for (const p of phdrs.filter((x) => x.type === PT_NOTE).slice(0, MAX_NOTE_SEGMENTS)) {
    if (!Number.isSafeInteger(p.offset) || !Number.isSafeInteger(p.filesz)) continue;
    try {
      const bytes = await reader.read(p.offset, Math.min(p.filesz, NOTE_READ_CAP));
      parseNotes(bytes, h, p.align, info);
    } catch {
      // over budget or malformed: no build-id / ABI tag, nothing more
    }
    if (info.buildId && info.abiTag) break;
  }
  return info;
}
