import type { Manifest, Target } from "../manifest/types.js";
import { crossCompiles, crossSetup } from "./cross.js";
import { PlanError } from "./errors.js";
import { checkMounts } from "./mounts.js";
import { platformArgs } from "./platform-args.js";
import type { BuildPlan, BuildStep, NetworkMode, Platform } from "./types.js";

export { PlanError } from "./errors.js";

/** What BuildKit's own frontends use when an image sets no PATH. */
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface PlanOptions {
  platform: Platform;
  /** BUILDPLATFORM, the worker's own; default `platform`. */
  buildPlatform?: Platform;
  /** Env of the build image's config, so RUN sees the PATH the image author set. */
  baseEnv?: string[];
  network?: NetworkMode;
  imageResolveMode?: "default" | "pull" | "local";
  /** --build-arg values; only the manifest's declared args are used. */
  buildArgs?: ReadonlyMap<string, string>;
  /** --target; default the manifest's first target. */
  target?: string;
  epoch?: number;
  /** --no-cache (all steps) or the targets it names. */
  noCache?: true | string[];
  /** The build image's digest from ResolveImageConfig: the LLB pins it, as the Dockerfile frontend does. */
  baseDigest?: string;
  /** --sbom=true: observe the links (native and emulated builds only; a cross link needs its own ld). */
  sbom?: boolean;
}

/** Turns a validated manifest into the build stage's steps and the chosen image. Pure. */
export function planBuild(m: Manifest, opts: PlanOptions): BuildPlan {
  const target = selectTarget(m, opts.target);
  checkMounts(m);
  const args = resolveArgs(m, opts.buildArgs);
  const b = m.build;
  const steps: Omit<BuildStep, "name">[] = [];
  const packages = [...b.packages.map((p) => p.value)];
  // Essentials copy files out of the build image, so it must have them.
  if (b.packageManager.value !== "none") {
    if (target.essentials.caCertificates) packages.push("ca-certificates");
    if (target.essentials.tzdata.length > 0) packages.push("tzdata");
  }
  const unique = [...new Set(packages)];
  if (unique.length > 0 && b.packageManager.value !== "none") {
    const first = b.packages[0];
    const last = b.packages[b.packages.length - 1];
    const span =
      first && last ? { ...first.span, endLine: last.span.endLine, endCol: last.span.endCol } : b.span;
    steps.push({
      kind: "packages",
      args: installCommand(b.packageManager.value, unique),
      cache: [],
      secrets: [],
      span,
    });
  }
  const buildPlatform = opts.buildPlatform ?? opts.platform;
  const cross = crossCompiles(m);
  const setup = cross ? crossSetup(m.preset, buildPlatform, opts.platform) : { env: [] };
  if (setup.problem)
    throw new PlanError(
      `build.cross: ${setup.problem}; build under emulation with build.cross: false`,
      b.cross?.span ?? b.image.span,
    );
  const firstRun = b.run[0];
  if (setup.check && firstRun) {
    steps.push({
      kind: "run",
      args: ["/bin/sh", "-c", setup.check],
      cache: [],
      secrets: [],
      span: firstRun.command.span,
    });
  }
  for (const r of b.run) {
    steps.push({
      kind: "run",
      args: ["/bin/sh", "-c", r.command.value],
      cache: r.cache,
      secrets: r.secrets,
      span: r.command.span,
    });
  }

  const baseImage = pin(b.image.value, opts.baseDigest);
  return {
    platform: opts.platform,
    stagePlatform: cross ? buildPlatform : opts.platform,
    baseImage,
    imageResolveMode: opts.imageResolveMode ?? "default",
    network: opts.network ?? "sandbox",
    workdir: b.workdir,
    // Declared build args reach the commands as env, like ARG in a Dockerfile; the platform
    // args too, as the Dockerfile frontend's automatic ARGs (the manifest's env may override);
    // a cross build's toolchain settings (GOARCH, CC, …) last: they make the build cross.
    env: mergeEnv(opts.baseEnv ?? [], [
      ...platformArgs(buildPlatform, opts.platform),
      ...b.env,
      ...setup.env,
      ...args,
    ]),
    steps: steps.map((s, i) => ({ ...s, name: `[build ${i + 1}/${steps.length}] ${display(s)}` })),
    target: substituteTarget(target, new Map(args)),
    contextInclude: b.contextInclude,
    contextExclude: b.contextExclude,
    noCache: opts.noCache === true || (opts.noCache ?? []).includes(target.name),
    ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}),
    ...(opts.sbom && !cross ? { observeLinks: true as const } : {}),
  };
}

/** image@digest, so the graph names exactly the image resolved and BuildKit need not re-resolve it. */
function pin(image: string, digest: string | undefined): string {
  if (!digest || image.includes("@")) return image;
  return `${image}@${digest}`;
}

/** The target `name` names, or the first; a PlanError naming the targets there are. */
export function selectTarget(m: Manifest, name: string | undefined): Target {
  const first = m.targets[0];
  if (!first) throw new PlanError("the manifest defines no image");
  if (!name) return first;
  const t = m.targets.find((x) => x.name === name);
  if (!t) {
    throw new PlanError(
      `target ${JSON.stringify(name)} not found; the manifest defines ${m.targets.map((x) => x.name).join(", ")}`,
    );
  }
  return t;
}

function resolveArgs(m: Manifest, given: ReadonlyMap<string, string> | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const a of m.args) {
    const v = given?.get(a.name) ?? a.default;
    // It becomes a command's env: execve cannot pass a NUL (the manifest's defaults never hold one).
    if (v?.includes("\0"))
      throw new PlanError(`--build-arg ${a.name}: the value contains a NUL character`, a.span);
    if (v !== undefined) out.push([a.name, v]);
  }
  return out;
}

/** `${NAME}` in image labels and env values, for declared build args only (documented). */
function substituteTarget(t: Target, args: Map<string, string>): Target {
  if (args.size === 0) return t;
  const sub = (s: string) =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, k: string) => args.get(k) ?? all);
  const pairs = (xs: Array<[string, string]>) => xs.map(([k, v]): [string, string] => [k, sub(v)]);
  return { ...t, image: { ...t.image, labels: pairs(t.image.labels), env: pairs(t.image.env) } };
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
