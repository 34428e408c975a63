import type { Definition } from "../gateway/client.js";
import { Code, FrontendError } from "../gateway/errors.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import { local, marshal } from "../llb/index.js";
import { decodeManifest } from "../manifest/decode.js";

/**
 * The largest manifest the frontend reads: 1 MiB. Every solve carries the manifest as its
 * source map and every located error and warning carries it again, so a much larger file
 * would run into the bridge's 16 MiB message limit as an opaque transport error.
 */
export const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * Reads the manifest (and its own `<name>.dockerignore`) from the client's definition
 * directory, or from the `dockerfile` frontend input when the # syntax= forwarder sends one.
 */
export async function readManifestFile(
  client: FrontendClient,
  input: Definition | undefined,
  key: string,
  filename: string,
): Promise<ManifestRead> {
  const def =
    input ??
    marshal(
      local(key, {
        sessionId: client.buildOpts().sessionId,
        followPaths: [filename, `${filename}.dockerignore`],
        sharedKeyHint: key,
        differ: "none",
        name: `[internal] load build definition from ${filename}`,
      }),
    ).definition;
  return readManifestFrom(await client.solve(def), filename);
}

/** The manifest's text, and its own `<name>.dockerignore` (undefined when absent), still on its way. */
export interface ManifestRead {
  text: string;
  ignore: Promise<string | undefined>;
}

/**
 * Reads the manifest at `path` in a solved source, and `<path>.dockerignore` next to it at
 * the same time; the manifest is parsed (and its build image resolved) before that answer is in.
 */
export async function readManifestFrom(ref: Ref, path: string): Promise<ManifestRead> {
  // Never rejects (an unreadable file is an absent one): dropped unawaited when the manifest fails.
  const ignore = readText(ref, `${path}.dockerignore`);
  let data: Uint8Array;
  try {
    // One byte past the limit tells an oversized file from one exactly at it, in one round trip.
    data = await ref.readFile(path, { offset: 0, length: MAX_MANIFEST_BYTES + 1 });
  } catch (err) {
    throw new FrontendError(
      `cannot read the manifest ${path}: ${err instanceof Error ? err.message : String(err)}`,
      Code.NotFound,
    );
  }
  if (data.length > MAX_MANIFEST_BYTES) throw await tooLarge(ref, path, data);
  return { text: decodeManifest(data, path), ignore };
}

/** A file's text, or undefined when it cannot be read (absent). */
export function readText(ref: Ref, path: string): Promise<string | undefined> {
  return ref.readFile(path).then(
    (d) => new TextDecoder().decode(d),
    () => undefined,
  );
}

/** The size error, with the file's real size when BuildKit can stat it (only on this failure path). */
async function tooLarge(ref: Ref, filename: string, head: Uint8Array): Promise<FrontendError> {
  const size = await ref.statFile(filename).then(
    (st) => Number(st.size),
    () => undefined,
  );
  // Rounded up, so a file just over the limit never reads as "1 MiB; the limit is 1 MiB".
  const mib = (n: number) => `${Math.ceil((n / (1 << 20)) * 10) / 10} MiB`;
  // The error carries only the first line as its source: without a source of ours, the
  // # syntax= forwarder attaches the whole file, and a trailer of that size is the
  // COMPRESSION_ERROR this check exists to avoid.
  const firstLine = new TextDecoder().decode(head.subarray(0, 4096)).split("\n")[0] ?? "";
  return new FrontendError(
    `${filename} is ${size !== undefined ? mib(size) : `over ${mib(MAX_MANIFEST_BYTES)}`}; the limit is ${mib(MAX_MANIFEST_BYTES)}`,
    Code.InvalidArgument,
    { filename, data: firstLine, language: "YAML", ranges: [{ start: 1, end: 1 }] },
  );
}

/** The context's own .dockerignore, read through a local that transfers only that file. */
export function readContextDockerignore(client: FrontendClient, key: string): Promise<string | undefined> {
  return readLocalDockerignore(client, key, {
    sharedKeyHint: `${key}-.dockerignore`,
    name: "[internal] load .dockerignore",
  });
}

/** The .dockerignore at the top of the client's local directory `key`; undefined when there is none. */
export async function readLocalDockerignore(
  client: FrontendClient,
  key: string,
  shown: { sharedKeyHint: string; name: string },
): Promise<string | undefined> {
  const def = marshal(
    local(key, {
      sessionId: client.buildOpts().sessionId,
      followPaths: [".dockerignore"],
      sharedKeyHint: shown.sharedKeyHint,
      differ: "none",
      name: shown.name,
    }),
  ).definition;
  return readText(await client.solve(def), ".dockerignore");
}
