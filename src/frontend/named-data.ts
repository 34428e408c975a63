// Named contexts that data entries copy from (`data[].from: NAME`), as a Dockerfile's
// COPY --from=NAME reads a named context (dockerui's NamedContext.Load): any filesystem
// source works here, unlike for the build image, which must be an image.
import { posix } from "node:path";
import type { NamedContext } from "../gateway/build-config.js";
import type { Definition } from "../gateway/client.js";
import { parseRemoteContext } from "../gateway/context-ref.js";
import { Code } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { formatPlatform } from "../gateway/opts.js";
import {
  copy,
  definitionState,
  git,
  http,
  image,
  local,
  marshal,
  normalizeImageRef,
  ociLayout,
  type Platform,
  type State,
  scratch,
} from "../llb/index.js";
import type { DataFile, Located } from "../manifest/types.js";
import { isArchive } from "./archive-sniff.js";
import { namedContextFor } from "./named-contexts.js";

/** What a named context is read with: the session (local dirs), the inputs, the platform. */
export interface NamedDataOptions {
  sessionId: string;
  inputs: Record<string, Definition>;
  platform: Platform;
  /** git.mtime=commit on git sources (SOURCE_DATE_EPOCH set, and the daemon knows it). */
  gitMTimeCommit: boolean;
}

/** dockerui sniffs this much of a download to tell an archive from a single file. */
const SNIFF_BYTES = 1024;

/** The named contexts `data` copies from, by the name the manifest writes; unknown names are located errors. */
export async function namedDataStates(
  client: FrontendClient,
  data: readonly DataFile[],
  contexts: ReadonlyMap<string, NamedContext>,
  opts: NamedDataOptions,
): Promise<Map<string, State>> {
  const wanted = new Map<string, Located<string>>();
  for (const d of data) if (d.named && !wanted.has(d.named.value)) wanted.set(d.named.value, d.named);
  const unknown = [...wanted.values()].filter((n) => !namedContextFor(contexts, n.value));
  if (unknown.length > 0) {
    const given =
      contexts.size > 0 ? `the named contexts given: ${[...contexts.keys()].join(", ")}` : "none was given";
    const at = unknown.map((n) => ({
      span: n.span,
      message: `data from: no named context ${JSON.stringify(n.value)} (${given}); pass --build-context ${n.value}=SOURCE`,
    }));
    throw LocatedError.at(at, Code.InvalidArgument);
  }
  const out = new Map<string, State>();
  for (const [name, at] of wanted) {
    const found = forPlatform(contexts, name, opts.platform) ?? namedContextFor(contexts, name);
    if (found) out.set(name, await namedState(client, found.name, found.context, at, opts));
  }
  return out;
}

/**
 * buildx passes a multi-platform bake target per platform, as `context:NAME::os/arch` (and
 * its input as `input:KEY::os/arch`); dockerui looks that key up before the plain name.
 */
function forPlatform(
  contexts: ReadonlyMap<string, NamedContext>,
  name: string,
  platform: Platform,
): { name: string; context: NamedContext } | undefined {
  const key = `${name}::${formatPlatform(platform)}`;
  const context = contexts.get(key);
  return context ? { name: key, context } : undefined;
}

async function namedState(
  client: FrontendClient,
  name: string,
  c: NamedContext,
  at: Located<string>,
  opts: NamedDataOptions,
): Promise<State> {
  const shown = `[context ${name}]`;
  const refuse = (why: string) => LocatedError.at([{ span: at.span, message: why }], Code.InvalidArgument);
  switch (c.kind) {
    case "docker-image":
      return image(c.ref, { platform: opts.platform, name: `${shown} ${c.ref}` });
    case "local":
      // buildx sends `--build-context NAME=./dir` as local:NAME with the directory in the session.
      return local(c.ref, {
        sessionId: opts.sessionId,
        sharedKeyHint: `context:${name}`,
        name: `${shown} load from client`,
      });
    case "input": {
      const def = opts.inputs[c.ref];
      if (!def)
        throw refuse(
          `data from: the named context ${name} is input:${c.ref}, but no frontend input ${c.ref} was passed`,
        );
      return definitionState(def);
    }
    case "git":
    case "http": {
      const remote = parseRemoteContext(c.ref);
      if (remote?.kind === "git") {
        return git(remote.remote, {
          ref: remote.ref,
          subdir: remote.subdir,
          keepGitDir: remote.keepGitDir === true,
          ...(opts.gitMTimeCommit ? { mtime: "commit" as const } : {}),
          name: `${shown} ${c.ref}`,
        });
      }
      if (remote?.kind === "http") return httpState(client, remote.url, opts.platform, shown);
      throw refuse(`data from: the named context ${name} is not a git or http(s) URL: ${c.ref}`);
    }
    case "oci-layout": {
      // buildx sends oci-layout://STORE@sha256:…, STORE the ID of the layout in its session;
      // the op names the image by the context's name and that digest, as dockerui does.
      // (buildx writes STORE:latest@sha256:…; the tag is not part of the store's ID.)
      const m = /^([^@:/]+)(?::[^@/]+)?@(sha256:[0-9a-f]{64})$/.exec(c.ref.replace(/^\/\//, ""));
      if (!m?.[1] || !m[2])
        throw refuse(
          `data from: the named context ${name} is not oci-layout://STORE@sha256:DIGEST: ${c.ref}`,
        );
      return ociLayout(normalizeImageRef(`${name}@${m[2]}`), {
        sessionId: opts.sessionId,
        storeId: m[1],
        platform: opts.platform,
        name: `${shown} OCI load from client`,
      });
    }
    default:
      throw refuse(
        `data from: the named context ${name} has a source scratchkit does not know: ${c.ref} (expected docker-image://, local:, input:, a git URL or an http(s) URL)`,
      );
  }
}

/**
 * An http(s) named context: an archive (gzip, bzip2, xz, tar) is unpacked, as the main
 * context's is; anything else is one file, named as the URL's last path element.
 */
async function httpState(
  client: FrontendClient,
  url: string,
  platform: Platform,
  shown: string,
): Promise<State> {
  const filename = posix.basename(new URL(url).pathname) || "index";
  const download = http(url, { filename, name: `${shown} ${url}` });
  const ref = await client.solve(marshal(download, { platform }).definition);
  const head = await ref.readFile(filename, { offset: 0, length: SNIFF_BYTES });
  if (!isArchive(head)) return download;
  return scratch().file(copy(download, `/${filename}`, "/", { attemptUnpack: true }));
}
