import type { ByteSource } from "./types.js";

/** Anything wrong with the file itself; inspectElf turns it into an "invalid" verdict. */
export class ElfError extends Error {}

/** The next read would exceed the per-artifact budget; callers decide whether that is fatal. */
export class BudgetError extends Error {}

interface Chunk {
  offset: number;
  bytes: Uint8Array;
}

/**
 * Budgeted, caching view of a ByteSource. Every byte requested from the source is charged
 * once (cached bytes are free), so bytesRead can never exceed the budget whatever the file says.
 */
export class BoundedReader {
  bytesRead = 0;
  /** Known or learnt (from a short read) file size. */
  size: number | undefined;
  private readonly chunks: Chunk[] = [];

  constructor(
    private readonly src: ByteSource,
    readonly budget: number,
  ) {
    const s = src.size;
    this.size = typeof s === "number" && Number.isSafeInteger(s) && s >= 0 ? s : undefined;
  }

  get remaining(): number {
    return this.budget - this.bytesRead;
  }

  /** Whether [offset, offset+length) is already cached, i.e. reading it costs nothing. */
  isCached(offset: number, length: number): boolean {
    return this.gaps(offset, offset + length).length === 0;
  }

  /**
   * Bytes [offset, offset+length), fewer at end of file. Throws BudgetError (before reading
   * anything) when the uncached part does not fit the remaining budget.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new ElfError(`read out of range (offset ${offset}, length ${length})`);
    }
    let end = offset + length;
    if (this.size !== undefined) end = Math.min(end, this.size);
    if (end <= offset) return new Uint8Array(0);
    const gaps = this.gaps(offset, end);
    const cost = gaps.reduce((n, [a, b]) => n + (b - a), 0);
    if (cost > this.remaining) {
      throw new BudgetError(
        `reading ${cost} bytes at ${offset} exceeds the remaining budget (${this.remaining})`,
      );
    }
    for (const [a, b] of gaps) {
      if (this.size !== undefined && a >= this.size) break;
      await this.fetch(a, b - a);
    }
    return this.assemble(offset, this.size === undefined ? end : Math.min(end, this.size));
  }

  private async fetch(offset: number, length: number): Promise<void> {
    this.bytesRead += length;
    let got: Uint8Array;
    try {
      got = await this.src.read(offset, length);
    } catch (e) {
      throw new ElfError(`read failed at offset ${offset}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!(got instanceof Uint8Array))
      throw new ElfError(`byte source returned a non-byte value at ${offset}`);
    // A source returning more than asked must not let the cache grow past the budget.
    if (got.length > length) got = got.subarray(0, length);
    if (got.length < length) {
      // Short read: end of file. Remember it so later reads and bounds checks know the size.
      const eof = offset + got.length;
      this.size = this.size === undefined ? eof : Math.min(this.size, eof);
    }
    if (got.length > 0) {
      this.chunks.push({ offset, bytes: got });
      this.chunks.sort((x, y) => x.offset - y.offset);
    }
  }

  /** Uncached sub-ranges of [start, end). */
  private gaps(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let pos = start;
    for (const c of this.chunks) {
      const cEnd = c.offset + c.bytes.length;
      if (cEnd <= pos) continue;
      if (c.offset >= end) break;
      if (c.offset > pos) out.push([pos, c.offset]);
      pos = Math.max(pos, cEnd);
      if (pos >= end) break;
    }
    if (pos < end) out.push([pos, end]);
    return out;
  }

  /** Copy [start, end) out of the cache, stopping at the first hole (end of file). */
  private assemble(start: number, end: number): Uint8Array {
    for (const c of this.chunks) {
      if (c.offset <= start && c.offset + c.bytes.length >= end) {
        return c.bytes.subarray(start - c.offset, end - c.offset);
      }
    }
    const out = new Uint8Array(end - start);
    let pos = start;
    for (const c of this.chunks) {
      const cEnd = c.offset + c.bytes.length;
      if (cEnd <= pos || c.offset > pos) continue;
      const take = Math.min(cEnd, end) - pos;
      out.set(c.bytes.subarray(pos - c.offset, pos - c.offset + take), pos - start);
      pos += take;
      if (pos >= end) break;
    }
    return out.subarray(0, pos - start);
  }
}
