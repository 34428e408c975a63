import {
  BridgeCallError,
  type ResolveImageConfigOptions,
  type ResolveImageConfigResponse,
} from "../gateway/client.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { formatPlatform, type ImageResolveMode } from "../gateway/opts.js";
import { normalizeImageRef } from "../llb/index.js";
import { log } from "../log.js";
import type { Span } from "../manifest/types.js";
import type { Platform } from "../plan/types.js";

/** What the build stage takes from its image: the digest it resolved to, and the config's env. */
export interface BaseConfig {
  digest: string;
  env: string[];
}

/**
 * The build image's digest and env, so RUN sees the PATH its author set. An image that
 * cannot be resolved (no such image, no variant for the platform, registry unreachable)
 * throws a LocatedError at `span` (build.image) rather than at the # syntax= line.
 */
export async function resolveBase(
  client: FrontendClient,
  ref: string,
  platform: Platform,
  resolveMode: ImageResolveMode,
  span: Span,
): Promise<BaseConfig> {
  const normalized = normalizeImageRef(ref);
  return resolveConfig(
    client,
    normalized,
    {
      platform: pbPlatform(platform),
      resolveMode,
      logName: `[internal] load metadata for ${normalized}`,
      sessionId: client.buildOpts().sessionId,
    },
    (cause) => ({ span, message: unresolvedMessage(ref, normalized, platform, cause) }),
  );
}

/**
 * The config of an image in an OCI layout the client serves (an oci-layout:// named context),
 * looked up as dockerui does: by the context's name at the layout's digest, in the session's store.
 */
export async function resolveLayoutBase(
  client: FrontendClient,
  layout: { ref: string; storeId: string; contextName: string; source: string },
  platform: Platform,
  span: Span,
): Promise<BaseConfig> {
  return resolveConfig(
    client,
    layout.ref,
    {
      platform: pbPlatform(platform),
      logName: `[context ${layout.contextName}] load metadata for ${layout.ref}`,
      sessionId: client.buildOpts().sessionId,
      ociLayoutStore: layout.storeId,
    },
    (cause) => ({
      span,
      message: `build.image: cannot read the image of the named context ${layout.contextName} (${layout.source}) for ${formatPlatform(platform)}: ${cause}`,
    }),
  );
}

/** The env of an image config (JSON); none when it has none or is not JSON. */
export function configEnv(config: Uint8Array): string[] {
  try {
    const cfg = JSON.parse(new TextDecoder().decode(config)) as { config?: { Env?: string[] } };
    return cfg.config?.Env ?? [];
  } catch {
    return [];
  }
}

async function resolveConfig(
  client: FrontendClient,
  ref: string,
  opts: ResolveImageConfigOptions,
  located: (cause: string) => { span: Span; message: string },
): Promise<BaseConfig> {
  let res: ResolveImageConfigResponse;
  try {
    res = await client.resolveImageConfig(ref, opts);
  } catch (err) {
    if (!(err instanceof BridgeCallError)) throw err;
    throw LocatedError.at([located(err.status.message)], err.code);
  }
  log.debug(
    { ref, resolverStore: opts.ociLayoutStore, digest: res.Digest, resolved: res.Ref },
    "image config",
  );
  return { digest: res.Digest, env: configEnv(res.Config) };
}

function pbPlatform(p: Platform): ResolveImageConfigOptions["platform"] {
  return { OS: p.os, Architecture: p.architecture, Variant: p.variant ?? "" };
}

/** Names the image as written and as resolved, the platform, and BuildKit's reason. Pure. */
export function unresolvedMessage(
  ref: string,
  normalized: string,
  platform: Platform,
  cause: string,
): string {
  // BuildKit prefixes "failed to resolve source metadata for <ref>: ", which the message already says.
  const reason = cause.replace(/^failed to resolve source metadata for \S+: /, "");
  const shown = normalized === ref ? ref : `${ref} (${normalized})`;
  return `build.image: cannot resolve ${shown} for ${formatPlatform(platform)}: ${reason}`;
}
