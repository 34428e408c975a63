import type { Manifest } from "../manifest/types.js";
import { DEFAULT_PATH, mergeEnv } from "../plan/plan.js";
import type { Platform } from "../plan/types.js";

/** The OCI image config BuildKit's exporter receives as `containerimage.config`. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config: {
    Env: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    User?: string;
    WorkingDir?: string;
    Labels?: Record<string, string>;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
  history: Array<{ created_by: string; comment: string; empty_layer?: boolean }>;
}

export interface ConfigOptions {
  platform: Platform;
  /** `label:*` frontend opts (docker buildx build --label); they override the manifest's. */
  labels?: Record<string, string>;
}

/** Builds the final image's config from the manifest. Pure; key order is fixed. */
export function imageConfig(m: Manifest, opts: ConfigOptions): ImageConfig {
  const img = m.image;
  const labels = Object.fromEntries(
    [...img.labels, ...Object.entries(opts.labels ?? {})].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const config: ImageConfig["config"] = {
    // A scratch image has no env of its own; PATH is set like the Dockerfile frontend does.
    Env: mergeEnv([DEFAULT_PATH], img.env),
  };
  if (img.entrypoint) config.Entrypoint = img.entrypoint;
  if (img.cmd) config.Cmd = img.cmd;
  if (img.user) config.User = img.user;
  config.WorkingDir = img.workdir ?? "/";
  if (Object.keys(labels).length > 0) config.Labels = labels;
  const p = opts.platform;
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    config,
    rootfs: { type: "layers", diff_ids: [] },
    history: [
      {
        created_by: `scratchkit: copy ${m.artifacts.map((a) => a.dest).join(" ")}`,
        comment: "buildkit.scratchkit.v0",
      },
    ],
  };
}
