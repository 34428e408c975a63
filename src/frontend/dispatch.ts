// The frontend's one entry after connecting: parse the options, read the manifest once, then
// build or answer a subrequest (the shape of BuildKit's dockerfile builder.Build with
// dockerui's HandleSubrequest). Located errors get the manifest's lines here, in one place.
import { type BuildConfig, configOf } from "../gateway/build-config.js";
import { withCacheImports } from "../gateway/cache-imports.js";
import type { BridgeClient, Result } from "../gateway/client.js";
import { statusFromError, UnsupportedSubrequestError } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { type ManifestSource, withManifestSource } from "../gateway/located.js";
import { log } from "../log.js";
import { answerFor, answerWithoutManifest, isSupported, needsManifest } from "../subrequests/handle.js";
import { type SubrequestAnswer, toResult } from "../subrequests/result.js";
import { runBuild } from "./build.js";
import { type MainContext, resolveMainContext } from "./main-context.js";
import { readContextDockerignore, readManifestFile, readManifestFrom, readText } from "./read-manifest.js";

/**
 * Runs the request `client` was started for and Returns its result or its error over
 * `bridge`; true when it Returned a result.
 */
export async function serve(bridge: BridgeClient, client: FrontendClient): Promise<boolean> {
  let result: Result;
  try {
    result = await frontendResult(client);
  } catch (err) {
    log.debug({ err }, "build failed");
    await bridge.returnError(statusFromError(err));
    return false;
  }
  await bridge.returnResult(result);
  return true;
}

/** The build's result, or a subrequest's (metadata only, nothing built). */
export async function frontendResult(caller: FrontendClient): Promise<Result> {
  const config = configOf(caller.buildOpts());
  const client = withCacheImports(caller, config.cacheImports);
  const request = config.requestId;
  if (request !== undefined && !isSupported(request)) throw new UnsupportedSubrequestError(request);
  if (request !== undefined && !needsManifest(request)) return toResult(answerWithoutManifest(request));
  const inputs = await client.inputs();
  // Which inputs the caller passed (a # syntax= forwarder renames them; named contexts point at them).
  log.debug({ inputs: Object.keys(inputs) }, "frontend inputs");
  const context = await resolveMainContext(client, config, inputs);
  const reading =
    context.kind === "local" || !context.holdsManifest
      ? readManifestFile(client, inputs[config.dockerfileKey], config.dockerfileKey, config.filename)
      : // A remote context holds the manifest too (buildx's -f names a path inside it).
        readManifestFrom(context.ref, context.manifestPath);
  // Only a build reads the context; its .dockerignore is read alongside the manifest, and the
  // build starts on the manifest (resolving its build image) while the .dockerignores are on their way.
  const contextIgnore = request === undefined ? contextDockerignore(client, context) : undefined;
  // Awaited by the build; a failure while the manifest is still read must not go unhandled.
  contextIgnore?.catch(() => undefined);
  const definition = await reading;
  const source: ManifestSource = { filename: config.filename, text: definition.text };
  try {
    if (request !== undefined) return toResult(subrequestAnswer(request, source, config));
    // The manifest's own <name>.dockerignore wins over the context's.
    const dockerignore = definition.ignore.then(async (own) => own ?? (await contextIgnore) ?? "");
    return await runBuild(client, config, { source, dockerignore, context, inputs });
  } catch (err) {
    throw withManifestSource(err, source);
  }
}

/** The .dockerignore at the top of the context, local or remote. */
function contextDockerignore(client: FrontendClient, context: MainContext): Promise<string | undefined> {
  return context.kind === "local"
    ? readContextDockerignore(client, context.key)
    : readText(context.ref, ".dockerignore");
}

/** A manifest-reading subrequest's answer; its errors carry the manifest's lines. */
export function subrequestAnswer(
  request: string,
  source: ManifestSource,
  config: Pick<BuildConfig, "target"> & Partial<Pick<BuildConfig, "platforms" | "buildPlatform">>,
): SubrequestAnswer {
  const { platforms, buildPlatform } = config;
  try {
    return answerFor(
      request,
      source,
      config.target,
      platforms && buildPlatform ? { build: buildPlatform, targets: platforms } : undefined,
    );
  } catch (err) {
    throw withManifestSource(err, source);
  }
}
