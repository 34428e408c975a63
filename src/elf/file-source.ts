// Kept apart from index.ts so the inspector itself stays free of filesystem access.
import { open } from "node:fs/promises";
import { inspectElf } from "./inspect.js";
import type { ByteSource, InspectOptions, Report } from "./types.js";

export interface FileByteSource extends ByteSource {
  size: number;
  close(): Promise<void>;
}

/** ByteSource over a local file (CLI). The caller closes it. */
export async function fileSource(path: string): Promise<FileByteSource> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
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
