import { sortedRecord } from "../llb/sorted.js";
import type { Manifest } from "../manifest/types.js";
import { DEFAULT_PATH, mergeEnv } from "../plan/plan.js";
import type { BuildPlan } from "../plan/types.js";

/** The OCI image config BuildKit's exporter receives as `containerimage.config`. */
export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: {
    User?: string;
    ExposedPorts?: Record<string, Record<string, never>>;
    Env: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    Volumes?: Record<string, Record<string, never>>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
  history: Array<{ created?: string; created_by: string; comment: string; empty_layer?: boolean }>;
}

export interface ConfigOptions {
  /** `label:*` frontend opts (docker buildx build --label); they override the manifest's. */
  labels?: Record<string, string>;
  /** The build image, recorded as provenance in the OCI base labels (only what is known of it). */
  base?: { name?: string; digest?: string };
  /** From buildx's git detection (`vcs:source`, `vcs:revision` opts). */
  source?: string;
  revision?: string;
}

/** Builds the final image's config. Pure; key order is fixed. */
export function imageConfig(m: Manifest, plan: BuildPlan, opts: ConfigOptions = {}): ImageConfig {
  const t = plan.target;
  const img = t.image;
  const created = plan.epoch !== undefined ? new Date(plan.epoch * 1000).toISOString() : undefined;
  const oci: Array<[string, string]> = [["org.opencontainers.image.title", t.name]];
  const version = plan.env.find((e) => e.startsWith("VERSION="))?.slice("VERSION=".length);
  if (version) oci.push(["org.opencontainers.image.version", version]);
  if (opts.source) oci.push(["org.opencontainers.image.source", opts.source]);
  if (opts.revision) oci.push(["org.opencontainers.image.revision", opts.revision]);
  if (created) oci.push(["org.opencontainers.image.created", created]);
  if (opts.base?.name) oci.push(["org.opencontainers.image.base.name", opts.base.name]);
  if (opts.base?.digest) oci.push(["org.opencontainers.image.base.digest", opts.base.digest]);
  // Automatic labels first, then the manifest's, then --label: the most explicit wins.
  const labels = sorted([...oci, ...img.labels, ...Object.entries(opts.labels ?? {})]);
  // Built key by key so the JSON keeps Docker's familiar order (User, ExposedPorts, Env, ...).
  const config = {} as ImageConfig["config"];
  if (img.user) config.User = img.user;
  if (img.ports.length > 0) config.ExposedPorts = sorted(img.ports.map((p) => [p, {}]));
  // A scratch image has no env of its own; PATH is set like the Dockerfile frontend does.
  config.Env = mergeEnv([DEFAULT_PATH], img.env);
  if (img.entrypoint) config.Entrypoint = img.entrypoint;
  if (img.cmd) config.Cmd = img.cmd;
  if (img.volumes.length > 0) config.Volumes = sorted(img.volumes.map((v) => [v, {}]));
  config.WorkingDir = img.workdir ?? "/";
  config.Labels = labels;
  if (img.stopSignal) config.StopSignal = img.stopSignal;
  const p = plan.platform;
  const dests = [...t.data, ...t.artifacts].map((a) => a.dest).join(" ");
  return {
    ...(created ? { created } : {}),
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    config,
    rootfs: { type: "layers", diff_ids: [] },
    history: [
      {
        ...(created ? { created } : {}),
        created_by: `scratchkit: ${m.name} ${t.name}: copy ${dests}`,
        comment: "buildkit.scratchkit.v0",
      },
    ],
  };
}

function sorted<T>(entries: Array<[string, T]>): Record<string, T> {
  return sortedRecord(entries, false);
}
