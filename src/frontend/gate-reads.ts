// The gate's reads of the build output. The first bytes of each artifact are asked for while
// /out is being listed, rather than after: a warm build's gate then costs one round trip of
// latency instead of a ReadDir followed by a ReadFile.

import { WHOLE_FILE_READ } from "../elf/inspect.js";
import type { Ref } from "../gateway/frontend-client.js";
import type { Artifact } from "../manifest/types.js";
import { GATE_CONCURRENCY, type ReadRange } from "../verify/static-gate.js";

/**
 * Bytes read ahead from the start of each artifact: the whole of a small program (what the
 * gate reads of one) and the first page of any other.
 */
export const READ_AHEAD_BYTES = WHOLE_FILE_READ;
/** Artifacts read ahead at most: as many as the gate reads at a time (more would queue anyway). */
export const READ_AHEAD_FILES = GATE_CONCURRENCY;

/**
 * A ReadRange over `ref`'s files (paths relative to its root, as the gate passes them) that
 * starts reading the first artifacts' heads now. A head answers a read only for the very path
 * it was read at: the gate reads the file its listing resolved, so a head read through a link
 * or at a directory is never used (and a failed one is dropped). Whatever the head does not
 * cover is read from `ref`; the bytes are the same ref's, so the gate sees what it would have.
 */
export function readingAhead(ref: Ref, artifacts: readonly Artifact[]): ReadRange {
  const heads = new Map<string, Promise<Uint8Array | undefined>>();
  for (const a of artifacts) {
    if (heads.size >= READ_AHEAD_FILES) break;
    if (heads.has(a.path)) continue;
    const head = ref.readFile(`/${a.path}`, { offset: 0, length: READ_AHEAD_BYTES }).then(
      (d) => d,
      () => undefined,
    );
    heads.set(a.path, head);
  }
  return async (path, offset, length) => {
    const head = await heads.get(path);
    if (head && covers(head, offset, length)) return head.subarray(offset, offset + length);
    return ref.readFile(`/${path}`, { offset, length });
  };
}

/** Whether `head` (read from offset 0) answers [offset, offset+length): inside it, or past a short read's end of file. */
function covers(head: Uint8Array, offset: number, length: number): boolean {
  // A short answer is the whole file (BuildKit reads a range to its end or to end of file).
  return offset + length <= head.length || head.length < READ_AHEAD_BYTES;
}
