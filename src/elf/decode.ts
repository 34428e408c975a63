import { ELFCLASS64, ELFDATA2LSB } from "./constants.js";
import { ElfError } from "./reader.js";

/** Endian- and class-aware field reader over one buffer; every access is bounds-checked. */
export class Decoder {
  private readonly view: DataView;
  readonly le: boolean;
  readonly is64: boolean;

  constructor(
    readonly bytes: Uint8Array,
    elfClass: number,
    data: number,
    private readonly what = "structure",
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = data === ELFDATA2LSB;
    this.is64 = elfClass === ELFCLASS64;
  }

  private check(pos: number, n: number): void {
    if (pos < 0 || pos + n > this.bytes.length) throw new ElfError(`truncated ${this.what}`);
  }

  u16(pos: number): number {
    this.check(pos, 2);
    return this.view.getUint16(pos, this.le);
  }

  u32(pos: number): number {
    this.check(pos, 4);
    return this.view.getUint32(pos, this.le);
  }

  u64(pos: number): bigint {
    this.check(pos, 8);
    return this.view.getBigUint64(pos, this.le);
  }

  /** Address/offset/size-width word (Elf32_Addr or Elf64_Addr), as bigint so 64-bit values stay exact. */
  word(pos: number): bigint {
    return this.is64 ? this.u64(pos) : BigInt(this.u32(pos));
  }

  /** Signed-or-unsigned dynamic tag/value width is the same as word on both classes. */
  wordSize(): number {
    return this.is64 ? 8 : 4;
  }
}

/**
 * File offsets and sizes as JS numbers. Values beyond 2^53 cannot be real offsets in any file we
 * could read, so they become +Infinity, which fails every later bounds check instead of wrapping.
 */
export function toOffset(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY;
}
