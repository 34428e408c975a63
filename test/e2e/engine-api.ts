import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pack } from "tar-stream";

/**
 * A build context as the Engine API takes it: an uncompressed tar stream of these files
 * (name → content), with fixed mtimes so the same files give the same tar.
 */
export function tarContext(files: Record<string, string | Buffer>): NodeJS.ReadableStream {
  const p = pack();
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, mtime: new Date(0), mode: 0o644 }, content);
  }
  p.finalize();
  // tar-stream's Pack is a streamx stream; hand callers a Node one.
  return p.pipe(new PassThrough());
}

/** The top-level files of a directory (an example), name → content. */
export function filesOf(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) out[e.name] = readFileSync(join(dir, e.name));
  }
  return out;
}
