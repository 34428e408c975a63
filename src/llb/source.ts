import type { pb } from "../gen/proto.js";
import { Caps } from "./caps.js";
import { cleanRelative, parseGitURL } from "./git-url.js";
import { cleanPath } from "./path.js";
import { normalizePlatform, platformToPb } from "./platform.js";
import { normalizeImageRef } from "./reference.js";
import { sortedRecord } from "./sorted.js";
import { State } from "./state.js";
import type { ImageResolveMode, OpOptions, Platform } from "./types.js";
import { baseOp, type MarshalContext, type MarshalledOp, type Output, Vertex } from "./vertex.js";

/** A SourceOp: identifier + attrs, and for images a platform (Go drops it for other sources). */
export class SourceVertex extends Vertex {
  constructor(
    readonly identifier: string,
    readonly attrs: ReadonlyMap<string, string>,
    readonly caps: readonly string[],
    /** undefined: no platform on the op; "default": marshal's default platform. */
    readonly platform: Platform | "default" | undefined,
    options: OpOptions,
  ) {
    super(options);
  }

  inputs(): Output[] {
    return [];
  }

  marshalOp(ctx: MarshalContext): MarshalledOp {
    const source: pb.SourceOp.$Properties = { identifier: this.identifier };
    if (this.attrs.size > 0) source.attrs = sortedRecord(this.attrs);
    const p = this.platform === "default" ? ctx.platform : this.platform;
    const op = baseOp([], p ? platformToPb(p) : undefined);
    op.source = source;
    return { op, caps: this.caps };
  }
}

// encoding/json escapes HTML-significant characters and U+2028/U+2029;
// JSON.stringify does not. Matching Go keeps attrs (and so digests) identical.
function goJSON(value: string[]): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export interface ImageOptions extends OpOptions {
  platform?: Platform;
  resolveMode?: ImageResolveMode;
}

/** A registry image: identifier docker-image://<normalized ref>. Throws on an invalid reference. */
export function image(ref: string, opts: ImageOptions = {}): State {
  const attrs = new Map<string, string>();
  const caps: string[] = [Caps.sourceImage];
  const mode = opts.resolveMode ?? "default";
  if (mode !== "default") {
    attrs.set("image.resolvemode", mode);
    // Go requires the cap only for the security-relevant forced pull.
    if (mode === "pull") caps.push(Caps.sourceImageResolveMode);
  }
  const platform = opts.platform ? normalizePlatform(opts.platform) : undefined;
  const v = new SourceVertex(
    `docker-image://${normalizeImageRef(ref)}`,
    attrs,
    caps,
    platform ?? "default",
    opts,
  );
  return new State({ vertex: v, index: 0 }, platform);
}

export interface OCILayoutOptions extends OpOptions {
  platform?: Platform;
  /** The client session holding the layout, and the store's ID in it (what buildx names it). */
  sessionId: string;
  storeId: string;
}

/**
 * An image from an OCI layout the client serves in its session (Go's llb.OCILayout):
 * identifier oci-layout://<name@digest>, the session and store in attrs.
 */
export function ociLayout(ref: string, opts: OCILayoutOptions): State {
  const attrs = new Map<string, string>([
    ["oci.session", opts.sessionId],
    ["oci.store", opts.storeId],
  ]);
  const platform = opts.platform ? normalizePlatform(opts.platform) : undefined;
  const v = new SourceVertex(
    `oci-layout://${ref}`,
    attrs,
    [Caps.sourceOCILayout],
    platform ?? "default",
    opts,
  );
  return new State({ vertex: v, index: 0 }, platform);
}

export interface LocalOptions extends OpOptions {
  sessionId?: string;
  includePatterns?: string[];
  excludePatterns?: string[];
  followPaths?: string[];
  sharedKeyHint?: string;
  differ?: "none" | "metadata";
  /** Add the source.local.differ cap, making the daemon refuse the op if it can't honour differ. */
  differRequired?: boolean;
  /**
   * local.unique attr. Go fills it with a random ID when there is no session ID;
   * we never invent one (it would break determinism).
   */
  uniqueId?: string;
}

/** Files from the client's session: identifier local://<name>. */
export function local(name: string, opts: LocalOptions = {}): State {
  if (name === "") throw new Error("local source name can't be empty");
  const attrs = new Map<string, string>();
  const caps: string[] = [];
  if (opts.sessionId) {
    attrs.set("local.session", opts.sessionId);
    caps.push(Caps.sourceLocalSessionID);
  } else if (opts.uniqueId) {
    attrs.set("local.unique", opts.uniqueId);
    caps.push(Caps.sourceLocalUnique);
  }
  if (opts.includePatterns?.length) {
    attrs.set("local.includepattern", goJSON(opts.includePatterns));
    caps.push(Caps.sourceLocalIncludePatterns);
  }
  if (opts.followPaths?.length) {
    attrs.set("local.followpaths", goJSON(opts.followPaths));
    caps.push(Caps.sourceLocalFollowPaths);
  }
  if (opts.excludePatterns?.length) {
    attrs.set("local.excludepatterns", goJSON(opts.excludePatterns));
    caps.push(Caps.sourceLocalExcludePatterns);
  }
  if (opts.sharedKeyHint) {
    attrs.set("local.sharedkeyhint", opts.sharedKeyHint);
    caps.push(Caps.sourceLocalSharedKeyHint);
  }
  if (opts.differ) {
    attrs.set("local.differ", opts.differ);
    if (opts.differRequired) caps.push(Caps.sourceLocalDiffer);
  }
  caps.push(Caps.sourceLocal);
  const v = new SourceVertex(`local://${name}`, attrs, caps, undefined, opts);
  return new State({ vertex: v, index: 0 });
}

export interface HTTPOptions extends OpOptions {
  /** The name the downloaded file gets in the source's output (http.filename). */
  filename?: string;
}

/**
 * A file fetched over HTTP(S): identifier = the URL, no platform (Go's llb.HTTP). The Engine
 * API's upload (`http://build-context-<id>`) answers once, so this op must stay byte-identical
 * to dockerui's for the solver to reuse the fetch it already made.
 */
export function http(url: string, opts: HTTPOptions = {}): State {
  const attrs = new Map<string, string>();
  if (opts.filename) attrs.set("http.filename", opts.filename);
  const v = new SourceVertex(url, attrs, [Caps.sourceHTTP], undefined, opts);
  return new State({ vertex: v, index: 0 });
}

export interface GitOptions extends OpOptions {
  ref?: string;
  subdir?: string;
  keepGitDir?: boolean;
  /** git.mtime: "commit" gives every file the commit's time instead of the checkout's (BuildKit ≥ v0.29). */
  mtime?: "commit";
}

/**
 * A git checkout, as Go's llb.Git(url, "", ...) marshals it: identifier
 * `git://host/path[#ref[:subdir]]`, the full URL in git.fullurl, the default auth secret names.
 * Throws when `url` is not a git remote.
 */
export function git(url: string, opts: GitOptions = {}): State {
  const remote = parseGitURL(url);
  if (!remote) throw new Error(`llb: not a git remote: ${url}`);
  const ref = opts.ref ?? remote.ref;
  const subdir = opts.subdir !== undefined ? cleanRelative(opts.subdir) : remote.subdir;
  let id = `${remote.host}${cleanPath(`/${remote.path}`)}`;
  if (ref || subdir) id += `#${ref}${subdir ? `:${subdir}` : ""}`;
  const attrs = new Map<string, string>();
  const caps: string[] = [];
  if (opts.keepGitDir) {
    attrs.set("git.keepgitdir", "true");
    caps.push(Caps.sourceGitKeepDir);
  }
  attrs.set("git.fullurl", remote.remote);
  caps.push(Caps.sourceGitFullURL);
  // Go always names the secrets a private remote's credentials come from.
  attrs.set("git.authtokensecret", "GIT_AUTH_TOKEN");
  attrs.set("git.authheadersecret", "GIT_AUTH_HEADER");
  if (remote.scheme === "ssh") {
    attrs.set("git.mountsshsock", "default");
    caps.push(Caps.sourceGitMountSSHSock);
  }
  if (opts.mtime) {
    attrs.set("git.mtime", opts.mtime);
    caps.push(Caps.sourceGitMTime);
  }
  caps.push(Caps.sourceGit);
  const v = new SourceVertex(`git://${id}`, attrs, caps, undefined, opts);
  return new State({ vertex: v, index: 0 });
}
