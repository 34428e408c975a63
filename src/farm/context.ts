// An uploaded build context on the farm's disk: received with a size limit, and its
// manifest read back (without unpacking) to check it before the job is accepted.
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { normalize } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { archiveKind, SNIFF_BYTES } from "../frontend/archive-sniff.js";

export class UploadTooLarge extends Error {
  override readonly name = "UploadTooLarge";
  constructor(readonly limit: number) {
    super(`the uploaded context is larger than the farm's limit of ${limit} bytes`);
  }
}

/**
 * The farm cannot check the manifest itself (it cannot reach the context, or the context is an
 * archive it does not unpack); the engine may, so the build decides.
 */
export class ManifestUnchecked extends Error {
  override readonly name = "ManifestUnchecked";
}

/** Writes chunks to file; throws UploadTooLarge past maxBytes. Resolves once the data is flushed and synced. */
export async function saveChunks(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  maxBytes: number,
): Promise<number> {
  const out = createWriteStream(file, { flush: true });
  let size = 0;
  try {
    for await (const c of chunks) {
      size += c.length;
      if (size > maxBytes) throw new UploadTooLarge(maxBytes);
      if (!out.write(c)) await once(out, "drain");
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return size;
}

/** The tar's stream, gunzipped when it starts with gzip's magic bytes. */
function tarStream(file: string): Readable {
  const raw = createReadStream(file);
  const out = new PassThrough();
  raw.once("readable", () => {
    const head: Buffer | null = raw.read(2);
    if (head) raw.unshift(head);
    const gz = head?.[0] === 0x1f && head[1] === 0x8b;
    (gz ? raw.pipe(createGunzip()) : raw).pipe(out);
  });
  raw.once("error", (e) => out.destroy(e));
  return out;
}

/**
 * One file's bytes from the tar, plain or gzipped (undefined when absent or larger than
 * maxBytes). A bzip2 or xz tar, which the engine unpacks and Node cannot, is ManifestUnchecked.
 */
export async function readTarFile(
  file: string,
  path: string,
  maxBytes = 1 << 20,
): Promise<Buffer | undefined> {
  const kind = archiveKind(await fileHead(file));
  if (kind === "bzip2" || kind === "xz")
    throw new ManifestUnchecked(`the context is a ${kind}-compressed tar, which the farm does not unpack`);
  const want = normalize(path.replace(/^\.\/+/, ""));
  const ex = extract();
  let found: Buffer | undefined;
  ex.on("entry", (h, stream, next) => {
    const name = normalize(h.name.replace(/^\.\/+/, ""));
    if (found === undefined && h.type === "file" && name === want && (h.size ?? 0) <= maxBytes) {
      const parts: Buffer[] = [];
      stream.on("data", (d) => parts.push(d as Buffer));
      stream.on("end", () => {
        found = Buffer.concat(parts);
        next();
      });
    } else {
      stream.on("end", next);
      stream.resume();
    }
  });
  await pipeline(tarStream(file), ex);
  return found;
}

/** A file's first bytes, as many as the archive sniff reads. */
export async function fileHead(file: string): Promise<Uint8Array> {
  const h = await open(file);
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}
