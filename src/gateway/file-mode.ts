// BuildKit's ReadDir/StatFile `mode` is Go's os.FileMode (fsutil Stat), not Unix S_IFMT bits:
// the type is one high bit each, the low 9 bits are the permissions. Decoded here only.

/** What a directory entry is, whatever the encoding it came in. */
export type FileKind =
  | "file"
  | "dir"
  | "symlink"
  | "block-device"
  | "char-device"
  | "fifo"
  | "socket"
  | "irregular";

const DIR = 2 ** 31;
const SYMLINK = 2 ** 27;
const DEVICE = 2 ** 26;
const NAMED_PIPE = 2 ** 25;
const SOCKET = 2 ** 24;
const CHAR_DEVICE = 2 ** 21;
const IRREGULAR = 2 ** 19;

const has = (mode: number, bit: number) => Math.floor(mode / bit) % 2 === 1;

/** The kind of a Go os.FileMode (as a uint32). */
export function goFileKind(mode: number): FileKind {
  if (has(mode, DIR)) return "dir";
  if (has(mode, SYMLINK)) return "symlink";
  if (has(mode, DEVICE)) return has(mode, CHAR_DEVICE) ? "char-device" : "block-device";
  if (has(mode, NAMED_PIPE)) return "fifo";
  if (has(mode, SOCKET)) return "socket";
  if (has(mode, IRREGULAR)) return "irregular";
  return "file";
}

/** rwxrwxrwx: the same low 9 bits in Go's and in Unix's encoding. */
export function permissionBits(mode: number): number {
  return mode % 512;
}

/** "a named pipe (FIFO)", for messages that read "<file> is ...". */
export function describeKind(kind: FileKind): string {
  switch (kind) {
    case "file":
      return "a regular file";
    case "dir":
      return "a directory";
    case "symlink":
      return "a symbolic link";
    case "block-device":
      return "a block device node";
    case "char-device":
      return "a character device node";
    case "fifo":
      return "a named pipe (FIFO)";
    case "socket":
      return "a socket";
    case "irregular":
      return "not a regular file";
  }
}
