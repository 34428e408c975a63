// The filesystem of one named context as LLB, as dockerui's NamedContext.Load makes it: an
// image, a local directory (its own .dockerignore applied), a frontend input, a git checkout,
// an http(s) download (a tarball unpacked) or an image in an OCI layout. Both `data[].from`
// and the build image read named contexts through this.
import { posix } from "node:path";
import type { Definition } from "../gateway/client.js";
import { parseRemoteContext } from "../gateway/context-ref.js";
import { Code } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { parseDockerignore } from "../graph/dockerignore.js";
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
import type { Span } from "../manifest/types.js";
import { isArchive, SNIFF_BYTES } from "./archive-sniff.js";
import type { FoundContext } from "./named-contexts.js";
import { readLocalDockerignore } from "./read-manifest.js";

/** What a named context is read with: the session (local dirs, OCI layouts), the inputs, the platform. */
export interface NamedContextOptions {
  sessionId: string;
  inputs: Record<string, Definition>;
  platform: Platform;
  /** git.mtime=commit on git sources (SOURCE_DATE_EPOCH set, and the daemon knows it). */
  gitMTimeCommit: boolean;
}

/** Where the manifest uses a named context: its span, and the key errors start with ("data from"). */
export interface NamedContextUse {
  span: Span;
  field: string;
}

/** An OCI layout context as buildx sends it: the store's ID in its session, and the image's digest. */
export interface OCILayoutRef {
  storeId: string;
  digest: string;
  /** The name the op and the config lookup give the image: the context's name at that digest (dockerui's dummy ref). */
  ref: string;
}

/** The state a named context stands for; a source it cannot read is a LocatedError at `use`. */
export async function namedState(
  client: FrontendClient,
  found: FoundContext,
  use: NamedContextUse,
  opts: NamedContextOptions,
): Promise<State> {
  const { name, context: c } = found;
  const shown = `[context ${name}]`;
  const refuse = namedContextError(use);
  switch (c.kind) {
    case "docker-image":
      return image(c.ref, { platform: opts.platform, name: `${shown} ${c.ref}` });
    case "local": {
      // buildx sends `--build-context NAME=./dir` as local:NAME with the directory in the session;
      // the directory's own .dockerignore applies to it, as dockerui reads it first.
      const ignore = await readLocalDockerignore(client, c.ref, {
        sharedKeyHint: `context:${name}-.dockerignore`,
        name: `${shown} load .dockerignore`,
      });
      const excludePatterns = parseDockerignore(ignore ?? "");
      return local(c.ref, {
        sessionId: opts.sessionId,
        sharedKeyHint: `context:${name}`,
        ...(excludePatterns.length > 0 ? { excludePatterns } : {}),
        name: `${shown} load from client`,
      });
    }
    case "input": {
      const def = opts.inputs[c.ref];
      if (!def)
        throw refuse(
          `the named context ${name} is input:${c.ref}, but no frontend input ${c.ref} was passed`,
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
      throw refuse(`the named context ${name} is not a git or http(s) URL: ${c.ref}`);
    }
    case "oci-layout": {
      const layout = ociLayoutRef(found, use);
      return ociLayout(layout.ref, {
        sessionId: opts.sessionId,
        storeId: layout.storeId,
        platform: opts.platform,
        name: `${shown} OCI load from client`,
      });
    }
    default:
      throw refuse(
        `the named context ${name} has a source scratchkit does not know: ${c.ref} (expected docker-image://, local:, input:, oci-layout://, a git URL or an http(s) URL)`,
      );
  }
}

/**
 * buildx sends oci-layout://STORE@sha256:…, STORE the ID of the layout in its session (it
 * writes STORE:latest@sha256:…; the tag is not part of the store's ID). The op names the
 * image by the context's name at that digest, as dockerui does.
 */
export function ociLayoutRef(found: FoundContext, use: NamedContextUse): OCILayoutRef {
  const m = /^([^@:/]+)(?::[^@/]+)?@(sha256:[0-9a-f]{64})$/.exec(found.context.ref.replace(/^\/\//, ""));
  if (!m?.[1] || !m[2])
    throw namedContextError(use)(
      `the named context ${found.name} is not oci-layout://STORE@sha256:DIGEST: ${found.context.ref}`,
    );
  // A per-platform key (NAME::os/arch) names the image by NAME.
  const name = found.name.split("::")[0] ?? found.name;
  return { storeId: m[1], digest: m[2], ref: normalizeImageRef(`${name}@${m[2]}`) };
}

/** A LocatedError at the use, its message after the field (`data from: …`, `build.image: …`). */
export function namedContextError(use: NamedContextUse): (why: string) => LocatedError {
  return (why) =>
    LocatedError.at([{ span: use.span, message: `${use.field}: ${why}` }], Code.InvalidArgument);
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
