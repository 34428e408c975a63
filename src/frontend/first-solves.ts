// The Solves a build of the client's local directory makes first (the manifest's local and the
// context's .dockerignore local) follow from the options alone, so they can go out with Ping
// instead of after the Inputs answer. Both are lazy: BuildKit builds nothing for a Solve
// without Evaluate, and one the build does not claim (a caller's `dockerfile` or `context`
// input replaced the local) is dropped unread.
import { configOf } from "../gateway/build-config.js";
import type { BuildOpts } from "../gateway/frontend-client.js";
import type { Marshalled } from "../llb/index.js";
import { isSupported, needsManifest } from "../subrequests/handle.js";
import { contextDockerignoreLocal, manifestLocal } from "./read-manifest.js";

/** What the request with these options solves first, byte for byte as the build will ask; [] when unsure. */
export function firstDefinitions(buildOpts: Pick<BuildOpts, "opts" | "workers" | "sessionId">): Marshalled[] {
  let config: ReturnType<typeof configOf>;
  try {
    config = configOf(buildOpts);
  } catch {
    // Bad options: the build reports them, with nothing solved.
    return [];
  }
  const request = config.requestId;
  if (config.context.kind !== "local") return [];
  // --cache-from's imports go with every Solve the build makes: those would not match.
  if (config.cacheImports.length > 0) return [];
  if (request !== undefined && !(isSupported(request) && needsManifest(request))) return [];
  const { sessionId } = buildOpts;
  const defs = [manifestLocal(sessionId, config.dockerfileKey, config.filename)];
  if (request === undefined) defs.push(contextDockerignoreLocal(sessionId, config.context.key));
  return defs;
}
