// dockerui's isArchive: does the start of a downloaded context look like a tar archive
// (bzip2, gzip or xz magic, or a valid tar header)? Pure.

const MAGICS: readonly number[][] = [
  [0x42, 0x5a, 0x68], // bzip2
  [0x1f, 0x8b, 0x08], // gzip
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
];

const BLOCK = 512;

export function isArchive(head: Uint8Array): boolean {
  if (MAGICS.some((m) => head.length >= m.length && m.every((b, i) => head[i] === b))) return true;
  return isTarHeader(head.subarray(0, BLOCK));
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
