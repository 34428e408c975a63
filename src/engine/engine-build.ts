import type Docker from "dockerode";
import { type BuildEvent, EngineBuildError } from "./build-events.js";
import { EngineStreamDecoder, followEngineStream } from "./engine-stream.js";

export { type BuildEvent, EngineBuildError } from "./build-events.js";

export interface EngineBuildOptions {
  /** Path of the manifest inside the context (the Engine API `dockerfile` parameter). */
  manifest: string;
  tags?: string[];
  target?: string;
  /** Comma-separated list, as buildx takes it. */
  platform?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Passed as the build arg SOURCE_DATE_EPOCH. */
  sourceDateEpoch?: number;
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
  if (opts.platform) q.platform = opts.platform;
  if (Object.keys(buildargs).length) q.buildargs = buildargs;
  if (opts.labels && Object.keys(opts.labels).length) q.labels = opts.labels;
  if (opts.noCache) q.nocache = true;
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
  // dockerode sends no body when the context is undefined (a remote build).
  const stream = await docker.buildImage(context as NodeJS.ReadableStream, query as Docker.ImageBuildOptions);
  const outcome = await followEngineStream(stream, new EngineStreamDecoder(), onEvent, opts.signal);
  if (outcome.error) throw outcome.error;
  if (!outcome.imageId)
    throw new EngineBuildError("the engine ended the build without an error or an image id");
  return { imageId: outcome.imageId, warnings: outcome.warnings };
}
