import type { BoundedReader } from "./reader.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Strings from the file end up in build logs and error messages: escape control characters so a
 * hostile NEEDED or interpreter name cannot forge log lines or terminal escapes.
 */
export function printable(bytes: Uint8Array): string {
  return utf8.decode(bytes).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/**
 * NUL-terminated string at a file offset, reading small windows so a string table without a NUL
 * costs at most `limit` bytes. Returns undefined when unterminated, past EOF or over budget.
 */
export async function readCString(
  reader: BoundedReader,
  offset: number,
  limit: number,
): Promise<string | undefined> {
  let window = 256;
  let have = 0;
  while (have < limit) {
    const want = Math.min(window, limit);
    let bytes: Uint8Array;
    try {
      bytes = await reader.read(offset, want);
    } catch {
      return undefined; // over budget: the caller substitutes a placeholder
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) return printable(bytes.subarray(0, nul));
    if (bytes.length < want) return undefined; // hit end of file
    have = want;
    window *= 2;
  }
  return undefined;
}
