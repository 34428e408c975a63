// Deterministic map construction. The generated protobuf encoder writes map
// entries in Object.keys order, while Go's deterministic marshaller sorts keys
// by byte value; building records in that order makes our bytes match.

// UTF-16 code unit order differs from UTF-8 byte (= code point) order only for
// surrogates versus U+E000..U+FFFF; shift those so plain comparison agrees.
function fixup(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Compares strings by their UTF-8 bytes, like Go's strings.Compare. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

// Object.keys lists array-index keys first, in numeric order, whatever the
// insertion order: such keys would silently break the sorted encoding.
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Builds a null-prototype record whose keys are inserted in sorted order; of equal keys the
 * last wins. `strict` (for LLB bytes) refuses array-index keys, which JavaScript would list
 * first; elsewhere (frontend opts, image config JSON) they are just data.
 */
export function sortedRecord<V>(entries: Iterable<readonly [string, V]>, strict = true): Record<string, V> {
  const list = [...entries].sort((a, b) => compareStrings(a[0], b[0]));
  const out: Record<string, V> = Object.create(null);
  for (const [k, v] of list) {
    if (strict && ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1) {
      throw new Error(`llb: map key ${JSON.stringify(k)} would not keep sorted order`);
    }
    out[k] = v;
  }
  return out;
}
