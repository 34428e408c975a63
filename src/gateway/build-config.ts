// Every frontend option, parsed once into one typed value (the shape of BuildKit's
// frontend/dockerui Config): nothing downstream reads a raw opt.
import { DEFAULT_FILENAME } from "../manifest/defaults.js";
import { OptsError } from "../opts-error.js";
import { parseRemoteContext, type RemoteContextRef } from "./context-ref.js";
import type { BuildOpts } from "./frontend-client.js";
import {
  buildArgs,
  type CacheImport,
  cacheImports,
  contextKey,
  dockerfileKey,
  filename,
  forceNetworkMode,
  formatPlatform,
  type ImageResolveMode,
  imageResolveMode,
  labels,
  multiPlatform,
  type NetworkMode,
  noCache,
  type Opts,
  type Platform,
  platforms,
  requestId,
  sbomRequested,
  sourceDateEpoch,
  target,
} from "./opts.js";

export interface BuildConfig {
  /** The manifest's name in the definition directory (`filename`, default scratchkit.yaml). */
  filename: string;
  /** The manifest target to build; undefined means the first. */
  target?: string;
  /** Target platforms: the `platform` opt, or the first worker's first platform. */
  platforms: Platform[];
  /** Where build steps run natively: the first worker's first platform (BUILDPLATFORM). */
  buildPlatform: Platform;
  /** Several platforms, or `multi-platform=true`: the result is keyed by platform (dockerui's MultiPlatformRequested). */
  multiPlatform: boolean;
  /** `build-arg:NAME`, sorted by name. */
  buildArgs: ReadonlyMap<string, string>;
  /** `label:NAME`, sorted by name. */
  labels: ReadonlyMap<string, string>;
  /** Absent → undefined; `--no-cache` → true; otherwise the names to rebuild. */
  noCache?: true | string[];
  network: NetworkMode;
  imageResolveMode: ImageResolveMode;
  /** SOURCE_DATE_EPOCH in Unix seconds. */
  epoch?: number;
  /** `attest:sbom` (--sbom=true): attach an SPDX document per platform (src/sbom). */
  sbom: boolean;
  /** `cache-imports` and `cache-from`: sent with every Solve (src/gateway/cache-imports.ts). */
  cacheImports: CacheImport[];
  /** `vcs:source` and `vcs:revision`, for the image's OCI labels. */
  vcs: { source?: string; revision?: string };
  /** `context:NAME=value`: named contexts, parsed for the issue that uses them. */
  namedContexts: ReadonlyMap<string, NamedContext>;
  /** A subrequest (`--call outline` etc.) instead of a build. */
  requestId?: string;
  /** Local (session) names of the build context and of the directory holding the manifest. */
  contextKey: string;
  dockerfileKey: string;
  /**
   * Where the build context comes from: the client's local directory, or the remote the
   * context option names (git, an http(s) URL, the Engine API's upload, buildx's stdin tar).
   */
  context: MainContextRef;
  /** `contextsubdir`: the part of the context the build sees. */
  contextSubdir?: string;
  /** BUILDKIT_CONTEXT_KEEP_GIT_DIR: a git context keeps its .git directory. */
  keepGitDir: boolean;
}

export type MainContextRef = { kind: "local"; key: string } | RemoteContextRef;

/** A named context's source, by the scheme dockerui recognises. */
export interface NamedContext {
  /** "other": a value none of dockerui's schemes match; an error only once named contexts are used. */
  kind: "docker-image" | "oci-layout" | "local" | "input" | "git" | "http" | "other";
  ref: string;
  /**
   * An `input:` context's image config (the `containerimage.config` of `input-metadata:REF`,
   * as the # syntax= forwarder passes a bake target's result), when the input has one.
   */
  imageConfig?: Uint8Array;
}

const CONTEXT_PREFIX = "context:";
const INPUT_METADATA_PREFIX = "input-metadata:";
/** exptypes.ExporterImageConfigKey: where a result's metadata carries its image config. */
const IMAGE_CONFIG_KEY = "containerimage.config";

/**
 * Parses all options at once; an invalid one throws OptsError (returned as InvalidArgument).
 * `workerPlatforms`: the first worker's, whose first is the default target platform.
 */
export function parseBuildConfig(opts: Opts, workerPlatforms: readonly Platform[]): BuildConfig {
  const worker = workerPlatforms[0] ?? { os: "linux", architecture: "amd64" };
  const nc = noCache(opts);
  const epoch = sourceDateEpoch(opts);
  const t = target(opts);
  const req = requestId(opts);
  const targets = uniquePlatforms(platforms(opts, worker) ?? [worker]);
  const vcs: BuildConfig["vcs"] = {};
  if (opts["vcs:source"]) vcs.source = opts["vcs:source"];
  if (opts["vcs:revision"]) vcs.revision = opts["vcs:revision"];
  return {
    filename: filename(opts) ?? DEFAULT_FILENAME,
    ...(t !== undefined ? { target: t } : {}),
    platforms: targets,
    buildPlatform: worker,
    multiPlatform: targets.length > 1 || multiPlatform(opts),
    buildArgs: buildArgs(opts),
    labels: labels(opts),
    ...(nc !== undefined ? { noCache: nc } : {}),
    network: forceNetworkMode(opts),
    imageResolveMode: imageResolveMode(opts),
    ...(epoch !== undefined ? { epoch } : {}),
    sbom: sbomRequested(opts),
    cacheImports: cacheImports(opts),
    vcs,
    namedContexts: namedContexts(opts),
    ...(req !== undefined ? { requestId: req } : {}),
    contextKey: contextKey(opts),
    dockerfileKey: dockerfileKey(opts),
    context: mainContext(opts),
    ...(opts.contextsubdir ? { contextSubdir: opts.contextsubdir } : {}),
    keepGitDir: /^(1|t|true)$/i.test(opts["build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR"] ?? ""),
  };
}

/** A platform named twice is built once (dockerui keys results by platform id). */
function uniquePlatforms(ps: Platform[]): Platform[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const id = formatPlatform(p);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** dockerui reads the remote from the option named like the context's local name (default `context`). */
function mainContext(opts: Opts): MainContextRef {
  const key = contextKey(opts);
  return parseRemoteContext(opts[key] ?? "") ?? { kind: "local", key };
}

function namedContexts(opts: Opts): Map<string, NamedContext> {
  const out = new Map<string, NamedContext>();
  for (const [k, v] of Object.entries(opts)) {
    if (!k.startsWith(CONTEXT_PREFIX)) continue;
    const context = namedContext(v);
    const config = context.kind === "input" ? inputImageConfig(opts, context.ref) : undefined;
    out.set(k.slice(CONTEXT_PREFIX.length), config ? { ...context, imageConfig: config } : context);
  }
  return out;
}

/**
 * `input-metadata:REF`: JSON of the input's result metadata, each value base64 (Go's
 * map[string][]byte), as dockerui reads it; the image config, when there is one.
 */
function inputImageConfig(opts: Opts, ref: string): Uint8Array | undefined {
  const key = `${INPUT_METADATA_PREFIX}${ref}`;
  const raw = opts[key];
  if (raw === undefined) return undefined;
  let metadata: unknown;
  try {
    metadata = JSON.parse(raw);
  } catch {
    throw new OptsError(`${key}: not JSON: ${raw.slice(0, 80)}`);
  }
  const value = (metadata as Record<string, unknown> | null)?.[IMAGE_CONFIG_KEY];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new OptsError(`${key}: ${IMAGE_CONFIG_KEY} is not base64 text`);
  return Buffer.from(value, "base64");
}

/** dockerui's schemes: docker-image://, oci-layout://, local:, input:, git URLs, http(s) URLs. */
function namedContext(value: string): NamedContext {
  for (const [prefix, kind] of [
    ["docker-image://", "docker-image"],
    ["oci-layout://", "oci-layout"],
    ["local:", "local"],
    ["input:", "input"],
  ] as const) {
    if (value.startsWith(prefix)) return { kind, ref: value.slice(prefix.length) };
  }
  if (/^git@|^git:\/\/|\.git(#.*)?$/.test(value)) return { kind: "git", ref: value };
  if (/^https?:\/\//.test(value)) return { kind: "http", ref: value };
  return { kind: "other", ref: value };
}

/** The config of the build a client was started for. */
export function configOf(buildOpts: Pick<BuildOpts, "opts" | "workers">): BuildConfig {
  return parseBuildConfig(buildOpts.opts, buildOpts.workers[0]?.platforms ?? []);
}
