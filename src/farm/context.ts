// A job's build context on the farm's disk: an uploaded tar (size-limited), a git
// checkout or a downloaded tarball, unpacked into the job's directory. Nothing a user
// sends reaches a shell, and no path in a tar or a subdir escapes the job's root.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";

const run = promisify(execFile);

export class ContextError extends Error {
  override readonly name = "ContextError";
}

export class UploadTooLarge extends Error {
  override readonly name = "UploadTooLarge";
  constructor(readonly limit: number) {
    super(`the uploaded context is larger than the farm's limit of ${limit} bytes`);
  }
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

/** A tar entry's path inside root, or undefined when it would escape it. */
export function safeJoin(root: string, name: string): string | undefined {
  const n = normalize(name.replace(/^\.\/+/, ""));
  if (n === "." || n === "" || isAbsolute(n) || n === ".." || n.startsWith(`..${sep}`)) return undefined;
  const full = resolve(root, n);
  const rel = relative(root, full);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? full : undefined;
}

/** One file's bytes from the tar (undefined when absent or larger than maxBytes). */
export async function readTarFile(
  file: string,
  path: string,
  maxBytes = 1 << 20,
): Promise<Buffer | undefined> {
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

/**
 * Unpacks the tar into dir. Symlinks are made last, so no file is ever written through
 * one; entries that would land outside dir fail the job.
 */
export async function extractTar(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const links: [string, string][] = [];
  const ex = extract();
  ex.on("entry", (h, stream, next) => {
    const target = safeJoin(dir, h.name);
    const done = (err?: unknown) => (err ? next(err as Error) : next());
    if (!target) {
      stream.resume();
      if (normalize(h.name.replace(/^\.\/+/, "")) === ".") return stream.on("end", () => done());
      return done(new ContextError(`the context's tar has an entry outside its root: ${h.name}`));
    }
    const mode = (h.mode ?? 0o644) & 0o777;
    if (h.type === "directory") {
      stream.resume();
      mkdir(target, { recursive: true }).then(() => done(), done);
    } else if (h.type === "file") {
      const parts: Buffer[] = [];
      stream.on("data", (d) => parts.push(d as Buffer));
      stream.on("end", () => {
        mkdir(resolve(target, ".."), { recursive: true })
          .then(() => writeFile(target, Buffer.concat(parts)))
          .then(() => chmod(target, mode))
          .then(() => done(), done);
      });
    } else {
      if (h.type === "symlink" && h.linkname) links.push([h.linkname, target]);
      stream.resume();
      stream.on("end", () => done());
    }
  });
  await pipeline(tarStream(file), ex);
  for (const [to, at] of links) {
    await mkdir(resolve(at, ".."), { recursive: true });
    if (!existsSync(at)) await symlink(to, at);
  }
}

/** A git context `URL#ref:subdir` split into its parts (BuildKit's syntax). */
export function parseGitUrl(spec: string): { url: string; ref: string; subdir: string } {
  const hash = spec.indexOf("#");
  const url = hash < 0 ? spec : spec.slice(0, hash);
  const frag = hash < 0 ? "" : spec.slice(hash + 1);
  const colon = frag.indexOf(":");
  const ref = colon < 0 ? frag : frag.slice(0, colon);
  const subdir = colon < 0 ? "" : frag.slice(colon + 1);
  if (!/^(https?|git|ssh|file):\/\//.test(url) && !/^[\w.-]+@[\w.-]+:/.test(url))
    throw new ContextError(`not a git URL: ${url} (expected https://, git://, ssh:// or user@host:path)`);
  if (ref.startsWith("-")) throw new ContextError(`git ref may not start with '-': ${ref}`);
  return { url, ref, subdir };
}

/** Checks out the git context into dir and returns the build context's directory (the subdir). */
export async function checkoutGit(spec: string, dir: string, signal?: AbortSignal): Promise<string> {
  const { url, ref, subdir } = parseGitUrl(spec);
  const repo = join(dir, "repo");
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) =>
    run("git", ["-C", repo, ...args], { signal, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  try {
    await git("init", "--quiet");
    await git("fetch", "--quiet", "--depth=1", "--", url, ref || "HEAD");
    await git("checkout", "--quiet", "FETCH_HEAD");
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ContextError(`git context ${url}${ref ? `#${ref}` : ""}: ${(e.stderr || e.message).trim()}`);
  }
  const ctx = subdir ? safeJoin(repo, subdir) : repo;
  if (!ctx || !existsSync(ctx)) throw new ContextError(`git context: no directory ${subdir} in ${url}`);
  return ctx;
}

/** Downloads an HTTP(S) tarball context to file (size-limited). */
export async function downloadTarball(
  url: string,
  file: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!/^https?:\/\//.test(url)) throw new ContextError(`not an HTTP(S) URL: ${url}`);
  const res = await fetch(url, { signal });
  if (!res.ok || !res.body) throw new ContextError(`tarball context ${url}: HTTP ${res.status}`);
  await saveChunks(res.body as AsyncIterable<Uint8Array>, file, maxBytes);
}
