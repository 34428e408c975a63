import type { ByteSource } from "./types.js";

/** In-memory source (tests, already-fetched blobs). Returns views, never copies. */
export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    async read(offset, length) {
      const start = Math.max(0, Math.min(offset, buf.length));
      return buf.subarray(start, Math.min(buf.length, start + Math.max(0, length)));
    },
  };
}
