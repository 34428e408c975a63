import { ManifestError } from "./errors.js";

/**
 * The manifest's bytes as text. Invalid UTF-8 is an error at its byte offset (and line and
 * column), never silently replaced with U+FFFD: a replaced byte could change a path or a
 * command without anyone seeing it.
 */
export function decodeManifest(bytes: Uint8Array, filename: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidByte(bytes);
    // Everything before the bad byte is valid UTF-8, so it gives the line and column.
    const before = new TextDecoder().decode(bytes.subarray(0, offset));
    const line = before.split("\n").length;
    const col = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
    const hex = (bytes[offset] ?? 0).toString(16).padStart(2, "0");
    throw new ManifestError(filename, [
      {
        span: { line, col, endLine: line, endCol: col },
        message: `invalid UTF-8 at byte offset ${offset} (0x${hex}); save the manifest as UTF-8`,
      },
    ]);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] ?? 0;
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      // No overlong forms, no UTF-16 surrogates.
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (d < min || d > max) return i;
    }
    i += n + 1;
  }
  return b.length;
}
