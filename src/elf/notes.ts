import { NT_GNU_ABI_TAG, NT_GNU_BUILD_ID } from "./constants.js";
import { Decoder } from "./decode.js";
import type { ElfHeader } from "./header.js";

export interface NoteInfo {
  buildId?: string;
  abiTag?: string;
}

const ABI_OS = ["Linux", "Hurd", "Solaris", "FreeBSD", "NetBSD", "Syllable"];

/**
 * Parse one PT_NOTE segment's bytes. Notes are 4-byte aligned, except in segments aligned to 8
 * (e.g. .note.gnu.property), where name and descriptor are padded to 8.
 */
export function parseNotes(bytes: Uint8Array, h: ElfHeader, align: bigint, into: NoteInfo): void {
  const a = align === 8n ? 8 : 4;
  const pad = (n: number) => Math.ceil(n / a) * a;
  const d = new Decoder(bytes, h.elfClass, h.data, "note");
  let pos = 0;
  // Every iteration advances by at least 12 bytes, so the loop is bounded by the segment size.
  while (pos + 12 <= bytes.length) {
    const namesz = d.u32(pos);
    const descsz = d.u32(pos + 4);
    const type = d.u32(pos + 8);
    const nameAt = pos + 12;
    const descAt = nameAt + pad(namesz);
    const next = descAt + pad(descsz);
    if (next > bytes.length) return; // corrupt or cut short: keep what was found
    const name = String.fromCharCode(...bytes.subarray(nameAt, nameAt + Math.min(namesz, 16)));
    if (name === "GNU\0") {
      const desc = bytes.subarray(descAt, descAt + descsz);
      if (type === NT_GNU_BUILD_ID && into.buildId === undefined && descsz > 0 && descsz <= 64) {
        into.buildId = Array.from(desc, (b) => b.toString(16).padStart(2, "0")).join("");
      } else if (type === NT_GNU_ABI_TAG && into.abiTag === undefined && descsz >= 16) {
        const os = d.u32(descAt);
        into.abiTag = `${ABI_OS[os] ?? `os${os}`} ${d.u32(descAt + 4)}.${d.u32(descAt + 8)}.${d.u32(descAt + 12)}`;
      }
    }
    pos = next;
  }
}
