// Kept apart from index.ts so the inspector itself stays free of filesystem access.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { inspectElf } from "./inspect.js";
import type { ByteSource, InspectOptions, Report } from "./types.js";

export interface FileByteSource extends ByteSource {
  size: number;
  close(): Promise<void>;
}

/** The path names something other than a regular file (a FIFO, a device, a directory...). */
export class NotRegularFileError extends Error {}

/**
 * ByteSource over a local regular file (CLI). The caller closes it. Opened non-blocking and
 * checked with fstat before any read, so a FIFO that appeared after the caller's stat cannot
 * hang the read (callers stat first, so device nodes are never opened at all).
 */
export async function fileSource(path: string): Promise<FileByteSource> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(`${path} is not a regular file`);
    const { size } = st;
    return {
      size,
      async read(offset, length) {
        const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        let got = 0;
        // Regular files rarely return short reads, but a loop makes "short = EOF" actually true.
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Open, inspect, close. I/O errors opening the file propagate; everything after is in the Report. */
export async function inspectFile(path: string, opts?: InspectOptions): Promise<Report> {
  const src = await fileSource(path);
  try {
    return await inspectElf(src, opts);
  } finally {
    await src.close();
  }
}
