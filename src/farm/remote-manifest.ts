// The manifest of a git or HTTP context, fetched by the farm at Submit so that a missing or
// invalid manifest is refused up front, as for an upload. The farm fetches only what it
// needs: one shallow git fetch (the manifest is read from the object store, nothing is
// checked out), or the HTTP body under the upload size limit.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { isArchive } from "../frontend/archive-sniff.js";
import { parseRemoteContext } from "../gateway/context-ref.js";
import { fileHead, ManifestUnchecked, readTarFile, saveChunks } from "./context.js";

const run = promisify(execFile);
const FETCH_TIMEOUT_MS = 60_000;

/** What the farm found: the manifest's bytes, or none (`missing` says why, for the user). */
export type RemoteManifest = { bytes: Buffer } | { missing: string };

/** The manifest path inside the context's subdirectory; undefined when it leaves it. */
function inside(subdir: string, manifest: string): string | undefined {
  const p = posix.normalize(posix.join(subdir || ".", manifest));
  return p.startsWith("../") || p === ".." || p.startsWith("/") ? undefined : p;
}

export async function gitManifest(url: string, manifest: string): Promise<RemoteManifest> {
  const g = parseRemoteContext(url);
  if (g?.kind !== "git") return { missing: `${url} is not a git URL` };
  const path = inside(g.subdir, manifest);
  if (!path) return { missing: `the manifest path ${manifest} leaves the context` };
  const dir = await mkdtemp(join(tmpdir(), "scratchkit-farm-git-"));
  // No prompts, and no transports that run commands or read the farm's own disk.
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PROTOCOL_FROM_USER: "0" };
  const git = (args: string[]) =>
    run("git", ["-c", "protocol.file.allow=never", "-C", dir, ...args], {
      env,
      timeout: FETCH_TIMEOUT_MS,
      maxBuffer: 1 << 20,
      encoding: "buffer",
    });
  try {
    await git(["init", "-q"]);
    try {
      // `--` keeps a remote or ref that starts with "-" from being read as an option.
      await git(["fetch", "-q", "--depth", "1", "--no-tags", "--", g.remote, g.ref || "HEAD"]);
    } catch (err) {
      throw new ManifestUnchecked(`git fetch ${g.remote} ${g.ref || "HEAD"}: ${stderrOf(err)}`);
    }
    try {
      const { stdout } = await git(["cat-file", "blob", `FETCH_HEAD:${path}`]);
      return { bytes: stdout };
    } catch {
      return { missing: `${path} is not in ${g.remote} at ${g.ref || "HEAD"}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An HTTP context: an archive (tar, gzipped or not) holds the manifest; any other body is the
 * manifest itself, as dockerui reads it. Bodies past maxBytes throw UploadTooLarge.
 */
export async function httpManifest(url: string, manifest: string, maxBytes: number): Promise<RemoteManifest> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
  } catch (err) {
    throw new ManifestUnchecked(`GET ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok || !res.body) return { missing: `GET ${url} answered ${res.status} ${res.statusText}` };
  const dir = await mkdtemp(join(tmpdir(), "scratchkit-farm-http-"));
  const file = join(dir, "context");
  try {
    await saveChunks(Readable.fromWeb(res.body as never) as AsyncIterable<Uint8Array>, file, maxBytes);
    // dockerui's sniff, as the frontend reads the same URL: an archive holds the manifest.
    if (!isArchive(await fileHead(file))) return { bytes: await readFile(file) };
    const bytes = await readTarFile(file, manifest);
    return bytes ? { bytes } : { missing: `the archive at ${url} has no ${manifest}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function stderrOf(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const text = e.stderr ? e.stderr.toString().trim() : "";
  return text || e.message || String(err);
}
