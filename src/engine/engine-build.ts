import { Readable } from "node:stream";
import type Docker from "dockerode";
import { type BuildEvent, EngineBuildError } from "./build-events.js";
import { EngineStreamDecoder, followEngineStream } from "./engine-stream.js";

export { type BuildEvent, EngineBuildError } from "./build-events.js";

export interface EngineBuildOptions {
  /** Path of the manifest inside the context (the Engine API `dockerfile` parameter). */
  manifest: string;
  tags?: string[];
  target?: string;
  /**
   * Comma-separated list, as buildx takes it; the Engine API's /build takes one platform per
   * request (dockerd answers 400 to a list), so a list of more than one is refused up front.
   */
  platform?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Passed as the build arg SOURCE_DATE_EPOCH. */
  sourceDateEpoch?: number;
  /**
   * The build containers' network (the Engine API `networkmode`): "none" lets an engine run
   * without a bridge, "host" reaches the host's network; unset, dockerd uses its bridge.
   */
  networkMode?: string;
  /** A git or HTTP URL context instead of a tar (the Engine API `remote` parameter). */
  remote?: string;
  /** Aborting destroys the HTTP request, so dockerd cancels the build. */
  signal?: AbortSignal;
}

export interface EngineBuildResult {
  imageId: string;
  warnings: number;
}

/** The Engine API `/build` query for these options (always BuildKit: version 2). */
export function buildQuery(opts: EngineBuildOptions): Record<string, unknown> {
  const buildargs = { ...opts.buildArgs };
  if (opts.sourceDateEpoch !== undefined) buildargs.SOURCE_DATE_EPOCH = String(opts.sourceDateEpoch);
  const q: Record<string, unknown> = { dockerfile: opts.manifest, version: "2" };
  if (opts.tags?.length) q.t = opts.tags;
  if (opts.target) q.target = opts.target;
  const platforms = (opts.platform ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (platforms.length > 1) {
    throw new EngineBuildError(
      `the Engine API builds one platform per request, not ${platforms.join(", ")}: call buildOnEngine once per platform`,
    );
  }
  if (platforms[0]) q.platform = platforms[0];
  if (Object.keys(buildargs).length) q.buildargs = buildargs;
  if (opts.labels && Object.keys(opts.labels).length) q.labels = opts.labels;
  if (opts.noCache) q.nocache = true;
  if (opts.networkMode) q.networkmode = opts.networkMode;
  if (opts.remote) q.remote = opts.remote;
  return q;
}

/**
 * Builds on the Docker Engine API (BuildKit) and resolves with the image id only when the
 * engine's stream says the build succeeded; an `errorDetail` in the stream rejects with an
 * EngineBuildError carrying the engine's message verbatim (with the manifest's file:line:col
 * when the frontend located the error). Progress is decoded into events for onEvent.
 */
export async function buildOnEngine(
  docker: Docker,
  context: NodeJS.ReadableStream | undefined,
  opts: EngineBuildOptions,
  onEvent?: (e: BuildEvent) => void,
): Promise<EngineBuildResult> {
  if (!context && !opts.remote) throw new TypeError("buildOnEngine needs a context stream or opts.remote");
  opts.signal?.throwIfAborted();
  const query = { ...buildQuery(opts), ...(opts.signal ? { abortSignal: opts.signal } : {}) };
  // A remote build must send an empty body. Given no context, dockerode (docker-modem) sends
  // the query as a JSON body instead, and dockerd holds a /build response back until the
  // request body has been read. With a remote context nothing reads that body, so dockerd
  // answered 200 with an empty stream: no progress, no error, no image id.
  const body = context ?? Readable.from([]);
  const stream = await docker.buildImage(body, query as Docker.ImageBuildOptions).catch((err: unknown) => {
    throw refused(err);
  });
  const outcome = await followEngineStream(stream, new EngineStreamDecoder(), onEvent, opts.signal);
  if (outcome.error) throw outcome.error;
  if (!outcome.imageId)
    throw new EngineBuildError("the engine ended the build without an error or an image id");
  return { imageId: outcome.imageId, warnings: outcome.warnings };
}

/** dockerd refused the request itself (HTTP 4xx/5xx): a failed build too, with the status as code. */
function refused(err: unknown): unknown {
  const status = err instanceof Error ? (err as Error & { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" ? new EngineBuildError((err as Error).message, status) : err;
}
