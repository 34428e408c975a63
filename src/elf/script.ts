import { SHEBANG_MAX } from "./constants.js";
import { printable } from "./strings.js";

export function hasShebang(bytes: Uint8Array): boolean {
  return bytes[0] === 0x23 && bytes[1] === 0x21; // "#!"
}

const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09;
const endsWord = (b: number | undefined) => b === undefined || b === 0x0a || b === 0x00 || isBlank(b);

/**
 * The interpreter path of a "#!" line, parsed like Linux does: skip blanks, take the first word,
 * within the kernel's 256-byte buffer. "" when there is none.
 */
export function shebangInterpreter(bytes: Uint8Array): string {
  const line = bytes.subarray(0, Math.min(bytes.length, SHEBANG_MAX));
  let i = 2;
  while (isBlank(line[i])) i++;
  const start = i;
  while (i < line.length && !endsWord(line[i])) i++;
  return printable(line.subarray(start, i));
}
