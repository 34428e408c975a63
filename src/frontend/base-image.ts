import { BridgeCallError, type ResolveImageConfigResponse } from "../gateway/client.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { formatPlatform, type ImageResolveMode } from "../gateway/opts.js";
import { normalizeImageRef } from "../llb/index.js";
import type { Span } from "../manifest/types.js";
import type { Platform } from "../plan/types.js";

/** What the build needs of its image. */
export interface BaseImage {
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
): Promise<BaseImage> {
  const normalized = normalizeImageRef(ref);
  let res: ResolveImageConfigResponse;
  try {
    res = await client.resolveImageConfig(normalized, {
      platform: { OS: platform.os, Architecture: platform.architecture, Variant: platform.variant ?? "" },
      resolveMode,
      logName: `[internal] load metadata for ${normalized}`,
      sessionId: client.buildOpts().sessionId,
    });
  } catch (err) {
    if (!(err instanceof BridgeCallError)) throw err;
    const message = unresolvedMessage(ref, normalized, platform, err.status.message);
    throw LocatedError.at([{ span, message }], err.code);
  }
  try {
    const cfg = JSON.parse(new TextDecoder().decode(res.Config)) as { config?: { Env?: string[] } };
    return { digest: res.Digest, env: cfg.config?.Env ?? [] };
  } catch {
    return { digest: res.Digest, env: [] };
  }
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
