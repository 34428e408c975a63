import type { Manifest } from "../manifest/types.js";
import type { BuildPlan, BuildStep, NetworkMode, Platform } from "./types.js";

/** What BuildKit's own frontends use when an image sets no PATH. */
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface PlanOptions {
  platform: Platform;
  /** Env of the build image's config, so RUN sees the PATH the image author set. */
  baseEnv?: string[];
  network?: NetworkMode;
  imageResolveMode?: "default" | "pull" | "local";
}

/** Turns a validated manifest into the build stage's steps. Pure. */
export function planBuild(m: Manifest, opts: PlanOptions): BuildPlan {
  const b = m.build;
  const steps: Omit<BuildStep, "name">[] = [];
  if (b.packages.length > 0 && b.packageManager.value !== "none") {
    const pkgs = b.packages.map((p) => p.value);
    const first = b.packages[0];
    const last = b.packages[b.packages.length - 1];
    const span =
      first && last ? { ...first.span, endLine: last.span.endLine, endCol: last.span.endCol } : b.span;
    steps.push({ kind: "packages", args: installCommand(b.packageManager.value, pkgs), span });
  }
  for (const r of b.run) steps.push({ kind: "run", args: ["/bin/sh", "-c", r.value], span: r.span });

  return {
    platform: opts.platform,
    baseImage: b.image.value,
    imageResolveMode: opts.imageResolveMode ?? "default",
    network: opts.network ?? "sandbox",
    workdir: b.workdir,
    env: mergeEnv(opts.baseEnv ?? [], b.env),
    steps: steps.map((s, i) => ({ ...s, name: `[build ${i + 1}/${steps.length}] ${display(s)}` })),
    artifacts: m.artifacts,
  };
}

function installCommand(pm: "apk" | "apt", pkgs: string[]): string[] {
  if (pm === "apk") return ["apk", "add", "--no-cache", ...pkgs];
  // Package names travel as positional parameters, never spliced into the script.
  const script =
    'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" && rm -rf /var/lib/apt/lists/*';
  return ["/bin/sh", "-c", script, "apt-get", ...pkgs];
}

function display(s: Omit<BuildStep, "name">): string {
  if (s.kind === "run") return s.args[2] ?? "";
  if (s.args[0] === "apk") return s.args.join(" ");
  return `apt-get install ${s.args.slice(4).join(" ")}`;
}

/** Later entries win, as ENV does in a Dockerfile; PATH is always present. */
export function mergeEnv(base: string[], extra: Array<[string, string]>): string[] {
  const env = new Map<string, string>();
  for (const kv of base) {
    const i = kv.indexOf("=");
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of extra) env.set(k, v);
  if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH.slice("PATH=".length));
  return [...env].map(([k, v]) => `${k}=${v}`);
}
