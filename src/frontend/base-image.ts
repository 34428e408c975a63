import type { BridgeClient } from "../gateway/client.js";
import type { ImageResolveMode } from "../gateway/opts.js";
import { normalizeImageRef } from "../llb/index.js";
import type { Platform } from "../plan/types.js";

/** The build image's digest and env, so RUN sees the PATH its author set. */
export async function resolveBase(
  bridge: BridgeClient,
  ref: string,
  platform: Platform,
  resolveMode: ImageResolveMode,
  sessionId: string,
): Promise<{ digest: string; env: string[] }> {
  const normalized = normalizeImageRef(ref);
  const res = await bridge.resolveImageConfig(normalized, {
    platform: { OS: platform.os, Architecture: platform.architecture, Variant: platform.variant ?? "" },
    resolveMode,
    logName: `[internal] load metadata for ${normalized}`,
    sessionId,
  });
  try {
    const cfg = JSON.parse(new TextDecoder().decode(res.Config)) as { config?: { Env?: string[] } };
    return { digest: res.Digest, env: cfg.config?.Env ?? [] };
  } catch {
    return { digest: res.Digest, env: [] };
  }
}
