// dockerui's isArchive: does the start of a downloaded context look like a tar archive
// (bzip2, gzip or xz magic, or a valid tar header)? Pure.

const MAGICS: ReadonlyArray<[ArchiveKind, number[]]> = [
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["gzip", [0x1f, 0x8b, 0x08]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** dockerui reads this much of a download to tell an archive from a single file. */
export const SNIFF_BYTES = 1024;
const BLOCK = 512;

export type ArchiveKind = "bzip2" | "gzip" | "xz" | "tar";

/** The archive the start of a file is (a compressed stream, or a plain tar); undefined when none. */
export function archiveKind(head: Uint8Array): ArchiveKind | undefined {
  const magic = MAGICS.find(([, m]) => head.length >= m.length && m.every((b, i) => head[i] === b));
  if (magic) return magic[0];
  return isTarHeader(head.subarray(0, BLOCK)) ? "tar" : undefined;
}

export function isArchive(head: Uint8Array): boolean {
  return archiveKind(head) !== undefined;
}

/**
 * Go's tar reader accepts a first block whose checksum (octal at 148, 8 bytes) matches the
 * block summed with that field as spaces; an all-zero block is the end of an empty archive.
 */
function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK || block.every((b) => b === 0)) return false;
  const field = new TextDecoder("latin1")
    .decode(block.subarray(148, 156))
    .replace(/[\0 ]+$/, "")
    .trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = Number.parseInt(field, 8);
  return want === unsigned || want === signed;
}
