import type Docker from "dockerode";
import { type BuildEvent, EngineBuildError } from "./build-events.js";
import { EngineStreamDecoder, followEngineStream } from "./engine-stream.js";

/** Registry credentials as the Engine API takes them (X-Registry-Auth). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

/**
 * Pushes a tag and resolves with the digest the registry accepted (the stream's
 * `aux.Digest`); an `errorDetail` in the stream rejects with an EngineBuildError.
 */
export async function pushImage(
  docker: Docker,
  tag: string,
  auth?: RegistryAuth,
  onEvent?: (e: BuildEvent) => void,
  signal?: AbortSignal,
): Promise<string> {
  const stream = (await docker
    .getImage(tag)
    // The engine wants an X-Registry-Auth header even for an anonymous registry.
    .push({ ...(signal ? { abortSignal: signal } : {}) }, undefined, auth ?? {})) as NodeJS.ReadableStream;
  const outcome = await followEngineStream(stream, new EngineStreamDecoder(), onEvent, signal);
  if (outcome.error) throw outcome.error;
  if (!outcome.digest) throw new EngineBuildError(`the engine ended the push of ${tag} without a digest`);
  return outcome.digest;
}
