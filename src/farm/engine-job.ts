// Runs one job's build on its engine through the Engine API (src/engine's buildOnEngine):
// the stored tar is the upload, a git or HTTP URL is the engine's `remote`; then pushes
// each tag with the farm's credentials for its registry.
import { createReadStream } from "node:fs";
import { type BuildEvent, buildOnEngine } from "../engine/engine-build.js";
import { pushImage, type RegistryAuth } from "../engine/engine-push.js";
import type { RegistryCredentials } from "./config.js";
import type { Engine } from "./pool.js";
import type { BuildSpec, PushedImage } from "./types.js";

export interface EngineJob {
  engine: Engine;
  spec: BuildSpec;
  /** The uploaded context's tar on the farm's disk (absent for a git or HTTP context). */
  tar?: string;
  frontendImage: string;
  registries: RegistryCredentials[];
  signal: AbortSignal;
}

export interface EngineJobOutcome {
  imageId: string;
  warnings: number;
  pushed: PushedImage[];
}

/** The registry host of an image reference (docker.io when the first part is not a host). */
export function registryHost(ref: string): string {
  const first = ref.split("/")[0] ?? "";
  return ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? first
    : "docker.io";
}

function authFor(tag: string, registries: RegistryCredentials[]): RegistryAuth {
  const host = registryHost(tag);
  const r = registries.find((x) => x.host === host);
  return r ? { username: r.username, password: r.password, serveraddress: host } : {};
}

export async function runEngineJob(
  j: EngineJob,
  onEvent: (e: BuildEvent) => void,
): Promise<EngineJobOutcome> {
  const s = j.spec;
  const remote = s.gitUrl || s.httpUrl || undefined;
  const result = await buildOnEngine(
    j.engine.docker,
    remote || !j.tar ? undefined : createReadStream(j.tar),
    {
      manifest: s.manifest || "scratchkit.yaml",
      tags: s.tags ?? [],
      target: s.target || undefined,
      platform: s.platforms?.length ? s.platforms.join(",") : undefined,
      // The farm's frontend image, whatever the manifest's `# syntax=` line names.
      buildArgs: { ...s.buildArgs, BUILDKIT_SYNTAX: j.frontendImage },
      labels: s.labels ?? {},
      noCache: Boolean(s.noCache),
      sourceDateEpoch: s.sourceDateEpoch ?? undefined,
      remote,
      networkMode: j.engine.config.networkMode,
      signal: j.signal,
    },
    onEvent,
  );
  const pushed: PushedImage[] = [];
  if (s.push) {
    for (const tag of s.tags ?? []) {
      const digest = await pushImage(j.engine.docker, tag, authFor(tag, j.registries), onEvent, j.signal);
      pushed.push({ ref: tag, digest });
    }
  }
  return { imageId: result.imageId, warnings: result.warnings, pushed };
}
