import path from "node:path/posix";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { cleanPath } from "../llb/path.js";
import { Context } from "./context.js";
import { DEFAULT_BUILD_IMAGE, DEFAULT_WORKDIR, OUTPUT_DIR } from "./defaults.js";
import { ManifestError } from "./errors.js";
import { PRESETS, presetRecipe } from "./presets.js";
import type {
  Artifact,
  BuildArg,
  BuildSpec,
  CacheMount,
  DataFile,
  Essentials,
  ImageSpec,
  Located,
  Manifest,
  PackageManager,
  PresetName,
  RunStep,
  SecretMount,
  Span,
  Target,
} from "./types.js";

const TOP_KEYS = [
  "version",
  "name",
  "preset",
  "args",
  "build",
  "artifacts",
  "data",
  "essentials",
  "image",
  "targets",
] as const;
const BUILD_KEYS = [
  "image",
  "package-manager",
  "packages",
  "workdir",
  "env",
  "run",
  "cache",
  "secrets",
  "context",
];
const RUN_KEYS = ["run", "cache", "secrets"];
const ARTIFACT_KEYS = ["path", "dest", "mode", "allow-dlopen"];
const DATA_KEYS = ["src", "dest", "from", "mode", "owner"];
const IMAGE_KEYS = [
  "entrypoint",
  "cmd",
  "env",
  "user",
  "workdir",
  "labels",
  "ports",
  "volumes",
  "stop-signal",
];
const TARGET_KEYS = ["description", "artifacts", "data", "essentials", "image"];
const CACHE_KEYS = ["path", "id", "sharing"];
const SECRET_KEYS = ["id", "target", "required"];
const ESSENTIALS = ["nonroot", "ca-certificates", "tmp", "tzdata"];
const PACKAGE_MANAGERS: readonly PackageManager[] = ["apk", "apt", "none"];

// Package names go to the package manager as separate argv words; this also keeps
// option-looking or shell-looking words out.
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:=~<>-]*$/;
const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:@-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const APP_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const PORT = /^\d{1,5}(\/(tcp|udp|sctp))?$/;
const SIGNAL = /^(SIG[A-Z0-9+-]+|\d+)$/;

/**
 * Parses and validates a manifest. Throws ManifestError listing every problem with
 * `file:line:col`; never returns a half-valid manifest.
 */
export function parseManifest(source: string, filename: string): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const ctx = new Context(lines, source);
  for (const e of doc.errors) ctx.errorAt(e.pos[0], e.pos[1], yamlMessage(e.message));
  if (ctx.diagnostics.length > 0) throw new ManifestError(filename, ctx.diagnostics);

  const root = doc.contents;
  if (!isMap(root)) {
    ctx.error(root ?? undefined, "expected a mapping with keys build and artifacts (see the README)");
    throw new ManifestError(filename, ctx.diagnostics);
  }
  const top = ctx.keys(root, TOP_KEYS, "");

  const versionNode = top.get("version");
  if (versionNode !== undefined) {
    const v = isScalar(versionNode) ? versionNode.value : undefined;
    if (v !== 1 && v !== "1") ctx.error(versionNode, "version: only version 1 is known");
  }
  const name = top.has("name")
    ? ctx.string(top.get("name"), "name", APP_NAME, "a lowercase name like hello")
    : undefined;
  let preset: Located<PresetName> | undefined;
  if (top.has("preset")) {
    const p = ctx.string(top.get("preset"), "preset");
    if (p && !(PRESETS as readonly string[]).includes(p.value)) {
      ctx.error(top.get("preset"), `preset: expected one of ${PRESETS.join(", ")}`);
    } else if (p) {
      preset = p as Located<PresetName>;
      if (!name) ctx.error(root, "preset: also set name, the program the preset builds (e.g. name: hello)");
    }
  }
  const args = top.has("args") ? parseArgs(ctx, top.get("args")) : [];
  const build = parseBuild(ctx, top.get("build"), root, preset, name?.value);

  const defaults = parseTargetBody(ctx, top, "", preset && name ? name.value : undefined, ctx.span(root));
  const targets: Target[] = [];
  const topName = name?.value ?? targetNameOf(defaults.artifacts[0]?.dest);
  if (top.has("artifacts") || preset) targets.push({ ...defaults, name: topName });
  if (top.has("targets")) targets.push(...parseTargets(ctx, top.get("targets"), defaults));
  if (targets.length === 0 && ctx.diagnostics.length === 0) {
    ctx.error(root, "missing key artifacts: list the files the build writes to /out");
  }
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) ctx.errorSpan(t.span, `targets: ${t.name} is defined twice`);
    names.add(t.name);
  }

  if (ctx.diagnostics.length > 0 || build === undefined) throw new ManifestError(filename, ctx.diagnostics);
  return {
    filename,
    source,
    version: 1,
    name: name?.value ?? targets[0]?.name ?? "app",
    ...(preset ? { preset: preset.value } : {}),
    args,
    build,
    targets,
  };
}

function parseArgs(ctx: Context, node: Node | undefined): BuildArg[] {
  if (!isMap(node)) {
    ctx.error(node, "args: expected a mapping of build argument names to default values");
    return [];
  }
  const out: BuildArg[] = [];
  for (const pair of node.items) {
    const key = ctx.string(pair.key as Node, "args key", ENV_NAME, "a build argument name");
    if (!key) continue;
    const v = pair.value as Node | null;
    if (v === null || (isScalar(v) && v.value === null)) out.push({ name: key.value, span: key.span });
    else {
      const d = ctx.string(v, `args.${key.value}`);
      if (d) out.push({ name: key.value, default: d.value, span: key.span });
    }
  }
  return out;
}

function parseBuild(
  ctx: Context,
  node: Node | undefined,
  root: YAMLMap,
  preset: Located<PresetName> | undefined,
  program: string | undefined,
): BuildSpec | undefined {
  if (node === undefined && !preset) {
    ctx.error(root, "missing key build: name the build commands that produce the artifacts");
    return undefined;
  }
  if (node !== undefined && !isMap(node)) {
    ctx.error(node, "build: expected a mapping with keys image, packages, run");
    return undefined;
  }
  const keys = node ? ctx.keys(node, BUILD_KEYS, "build.") : new Map<string, Node | undefined>();
  const where = node ?? root;
  const image = keys.has("image")
    ? ctx.string(keys.get("image"), "build.image", IMAGE_NAME, "an image reference like alpine:3.22")
    : { value: DEFAULT_BUILD_IMAGE, span: preset?.span ?? ctx.span(where) };
  const packages = keys.has("packages")
    ? ctx.stringList(keys.get("packages"), "build.packages", PACKAGE_NAME, "a package name")
    : [];
  let packageManager: Located<PackageManager> | undefined;
  if (keys.has("package-manager")) {
    const pm = ctx.string(keys.get("package-manager"), "build.package-manager");
    if (pm && !(PACKAGE_MANAGERS as readonly string[]).includes(pm.value)) {
      ctx.error(
        keys.get("package-manager"),
        `build.package-manager: expected one of ${PACKAGE_MANAGERS.join(", ")}`,
      );
    } else if (pm) {
      packageManager = pm as Located<PackageManager>;
    }
  } else if (image) {
    const inferred = inferPackageManager(image.value);
    if (inferred) packageManager = { value: inferred, span: image.span };
    else if (packages.length > 0 || preset)
      ctx.error(
        keys.get("packages") ?? keys.get("image"),
        `build.package-manager: cannot tell how to install packages on ${image.value}; set build.package-manager to apk, apt or none`,
      );
    else packageManager = { value: "none", span: image.span };
  }
  if (packageManager?.value === "none" && packages.length > 0)
    ctx.error(
      keys.get("packages"),
      "build.packages: package-manager is none; install them in the image or pick apk or apt",
    );
  const workdir = keys.has("workdir") ? ctx.absPath(keys.get("workdir"), "build.workdir") : DEFAULT_WORKDIR;
  if (workdir === OUTPUT_DIR)
    ctx.error(keys.get("workdir"), `build.workdir: ${OUTPUT_DIR} is the output directory`);
  let env = keys.has("env") ? ctx.stringMap(keys.get("env"), "build.env", ENV_NAME) : [];
  const sharedCache = keys.has("cache") ? parseCaches(ctx, keys.get("cache"), "build.cache") : [];
  const sharedSecrets = keys.has("secrets") ? parseSecrets(ctx, keys.get("secrets"), "build.secrets") : [];
  const context = keys.has("context")
    ? parseContextFilter(ctx, keys.get("context"))
    : { include: [], exclude: [] };

  let run: RunStep[] = [];
  let presetPackages: Located<string>[] = [];
  const runNode = keys.get("run");
  if (runNode !== undefined) run = parseRun(ctx, runNode, sharedCache, sharedSecrets);
  if (preset && packageManager && program) {
    const recipe = presetRecipe(preset.value, packageManager.value, program);
    if (typeof recipe === "string") ctx.errorSpan(preset.span, `preset: ${recipe}`);
    else {
      const at = preset.span;
      presetPackages = recipe.packages.map((p) => ({ value: p, span: at }));
      // The preset's env comes first, so build.env can override it (e.g. CC).
      env = [...recipe.env.filter(([k]) => !env.some(([e]) => e === k)), ...env];
      if (runNode === undefined) {
        run = recipe.run.map((command) => ({
          command: { value: command, span: at },
          cache: [...recipe.cache, ...sharedCache],
          secrets: sharedSecrets,
        }));
      }
    }
  } else if (runNode === undefined && node) {
    ctx.error(node, "build: missing key run: the commands that build the artifacts");
  }
  if (!image || !packageManager) return undefined;
  return {
    image,
    packageManager,
    packages: [
      ...presetPackages,
      ...packages.filter((p) => !presetPackages.some((q) => q.value === p.value)),
    ],
    workdir: workdir ?? DEFAULT_WORKDIR,
    env,
    run,
    contextInclude: context.include,
    contextExclude: context.exclude,
    span: ctx.span(where),
  };
}

function parseRun(ctx: Context, node: Node, cache: CacheMount[], secrets: SecretMount[]): RunStep[] {
  const items: Node[] = isSeq(node) ? (node.items as Node[]) : [node];
  if (isSeq(node) && items.length === 0) ctx.error(node, "build.run: expected at least one command");
  const steps: RunStep[] = [];
  for (const item of items) {
    if (isMap(item)) {
      const keys = ctx.keys(item, RUN_KEYS, "build.run[].");
      const command = keys.has("run")
        ? ctx.string(keys.get("run"), "build.run[].run", undefined, "a command")
        : (ctx.error(item, "build.run[]: missing key run"), undefined);
      const extraCache = keys.has("cache") ? parseCaches(ctx, keys.get("cache"), "build.run[].cache") : [];
      const extraSecrets = keys.has("secrets")
        ? parseSecrets(ctx, keys.get("secrets"), "build.run[].secrets")
        : [];
      if (command)
        steps.push({ command, cache: [...cache, ...extraCache], secrets: [...secrets, ...extraSecrets] });
      continue;
    }
    const command = ctx.string(item, "build.run", undefined, "a command or a list of commands");
    if (command) steps.push({ command, cache, secrets });
  }
  for (const s of steps)
    if (s.command.value.trim() === "") ctx.errorSpan(s.command.span, "build.run: empty command");
  return steps;
}

function parseCaches(ctx: Context, node: Node | undefined, what: string): CacheMount[] {
  if (!isSeq(node)) {
    ctx.error(node, `${what}: expected a list of directories, like [/root/.cache]`);
    return [];
  }
  const out: CacheMount[] = [];
  for (const item of node.items as Node[]) {
    if (isMap(item)) {
      const keys = ctx.keys(item, CACHE_KEYS, `${what}[].`);
      const p = ctx.absPath(keys.get("path") ?? item, `${what}[].path`);
      const id = keys.has("id")
        ? ctx.string(keys.get("id"), `${what}[].id`, SECRET_ID, "a cache id")
        : undefined;
      let sharing: CacheMount["sharing"] = "shared";
      if (keys.has("sharing")) {
        const s = ctx.string(keys.get("sharing"), `${what}[].sharing`);
        if (s && ["shared", "private", "locked"].includes(s.value))
          sharing = s.value as CacheMount["sharing"];
        else if (s) ctx.error(keys.get("sharing"), `${what}[].sharing: expected shared, private or locked`);
      }
      if (p) out.push({ path: p, ...(id ? { id: id.value } : {}), sharing });
    } else {
      const p = ctx.absPath(item, `${what}[]`);
      if (p) out.push({ path: p, sharing: "shared" });
    }
  }
  return out;
}

function parseSecrets(ctx: Context, node: Node | undefined, what: string): SecretMount[] {
  if (!isSeq(node)) {
    ctx.error(node, `${what}: expected a list of secret ids, like [token]`);
    return [];
  }
  const out: SecretMount[] = [];
  for (const item of node.items as Node[]) {
    let id: Located<string> | undefined;
    let target: string | undefined;
    let required = true;
    if (isMap(item)) {
      const keys = ctx.keys(item, SECRET_KEYS, `${what}[].`);
      if (!keys.has("id")) ctx.error(item, `${what}[]: missing key id`);
      else id = ctx.string(keys.get("id"), `${what}[].id`, SECRET_ID, "a secret id");
      if (keys.has("target")) target = ctx.absPath(keys.get("target"), `${what}[].target`);
      if (keys.has("required")) required = ctx.boolean(keys.get("required"), `${what}[].required`);
    } else {
      id = ctx.string(item, `${what}[]`, SECRET_ID, "a secret id");
    }
    if (id) out.push({ id: id.value, target: target ?? `/run/secrets/${id.value}`, required });
  }
  return out;
}

function parseContextFilter(ctx: Context, node: Node | undefined): { include: string[]; exclude: string[] } {
  if (!isMap(node)) {
    ctx.error(node, "build.context: expected a mapping with include and/or exclude patterns");
    return { include: [], exclude: [] };
  }
  const keys = ctx.keys(node, ["include", "exclude"], "build.context.");
  const list = (k: string) =>
    keys.has(k)
      ? ctx.stringList(keys.get(k), `build.context.${k}`).map((s) => {
          if (s.value.startsWith("/") || s.value.split("/").includes(".."))
            ctx.errorSpan(s.span, `build.context.${k}: patterns are relative to the context, without ".."`);
          else ctx.usablePath(s.span, s.value, `build.context.${k}[]`);
          return s.value;
        })
      : [];
  return { include: list("include"), exclude: list("exclude") };
}

type TargetBody = Omit<Target, "name">;

/** artifacts, data, essentials and image of one target (or of the top level). */
function parseTargetBody(
  ctx: Context,
  keys: Map<string, Node | undefined>,
  prefix: string,
  presetArtifact: string | undefined,
  span: Span,
  inherit?: TargetBody,
): TargetBody {
  let artifacts: Artifact[];
  if (keys.has("artifacts")) artifacts = parseArtifacts(ctx, keys.get("artifacts"), prefix);
  else if (presetArtifact)
    artifacts = [{ path: presetArtifact, dest: `/${presetArtifact}`, allowDlopen: false, span }];
  else if (inherit) artifacts = inherit.artifacts;
  else artifacts = [];
  const data = keys.has("data") ? parseData(ctx, keys.get("data"), prefix) : (inherit?.data ?? []);
  const essentials = keys.has("essentials")
    ? parseEssentials(ctx, keys.get("essentials"), prefix)
    : (inherit?.essentials ?? { nonroot: false, caCertificates: false, tzdata: [], tmp: false });
  const image = parseImage(ctx, keys.get("image"), prefix, inherit?.image);
  const dests = new Map<string, Span>();
  for (const f of [...artifacts, ...data]) {
    const seen = dests.get(f.dest);
    if (seen && seen !== f.span)
      ctx.errorSpan(f.span, `${prefix}artifacts: ${f.dest} is already the destination of line ${seen.line}`);
    dests.set(f.dest, f.span);
  }
  if (image.entrypoint === undefined && image.cmd === undefined && artifacts.length === 1 && artifacts[0]) {
    image.entrypoint = [artifacts[0].dest];
  }
  // distroless convention: asking for the nonroot user means running as it.
  if (essentials.nonroot && image.user === undefined) image.user = "65532:65532";
  if (essentials.caCertificates && !image.env.some(([k]) => k === "SSL_CERT_FILE")) {
    image.env = [...image.env, ["SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"]];
  }
  return { artifacts, data, essentials, image, span };
}

function parseTargets(ctx: Context, node: Node | undefined, defaults: TargetBody): Target[] {
  if (!isMap(node)) {
    ctx.error(node, "targets: expected a mapping of target names to artifacts and image settings");
    return [];
  }
  const out: Target[] = [];
  for (const pair of node.items) {
    const name = ctx.string(pair.key as Node, "targets key", APP_NAME, "a lowercase target name");
    const body = pair.value as Node | null;
    if (!name) continue;
    if (!isMap(body)) {
      ctx.error(
        body ?? (pair.key as Node),
        `targets.${name.value}: expected a mapping with artifacts, image...`,
      );
      continue;
    }
    const keys = ctx.keys(body, TARGET_KEYS, `targets.${name.value}.`);
    const t = parseTargetBody(ctx, keys, `targets.${name.value}.`, undefined, ctx.span(body), defaults);
    if (t.artifacts.length === 0) ctx.error(body, `targets.${name.value}: missing key artifacts`);
    const description = keys.has("description")
      ? ctx.string(keys.get("description"), `targets.${name.value}.description`)?.value
      : undefined;
    out.push({ ...t, name: name.value, ...(description ? { description } : {}) });
  }
  return out;
}

function parseArtifacts(ctx: Context, node: Node | undefined, prefix: string): Artifact[] {
  if (!isSeq(node) || node.items.length === 0) {
    ctx.error(node, `${prefix}artifacts: expected a non-empty list of paths under /out, like [hello]`);
    return [];
  }
  const out: Artifact[] = [];
  for (const item of node.items as Node[]) {
    let rel: string | undefined;
    let dest: string | undefined;
    let mode: number | undefined;
    let allowDlopen = false;
    if (isMap(item)) {
      const keys = ctx.keys(item, ARTIFACT_KEYS, `${prefix}artifacts[].`);
      if (!keys.has("path")) ctx.error(item, `${prefix}artifacts[]: missing key path`);
      else rel = ctx.outputPath(keys.get("path"));
      if (keys.has("dest")) dest = ctx.absPath(keys.get("dest"), `${prefix}artifacts[].dest`);
      if (keys.has("mode")) mode = ctx.mode(keys.get("mode"), `${prefix}artifacts[].mode`);
      if (keys.has("allow-dlopen"))
        allowDlopen = ctx.boolean(keys.get("allow-dlopen"), `${prefix}artifacts[].allow-dlopen`);
    } else {
      rel = ctx.outputPath(item);
    }
    if (rel === undefined) continue;
    const finalDest = dest ?? `/${rel}`;
    const span = ctx.span(item);
    if (finalDest === "/") {
      ctx.errorSpan(span, `${prefix}artifacts[].dest: cannot be the image root`);
      continue;
    }
    out.push({ path: rel, dest: finalDest, ...(mode !== undefined ? { mode } : {}), allowDlopen, span });
  }
  return out;
}

function parseData(ctx: Context, node: Node | undefined, prefix: string): DataFile[] {
  if (!isSeq(node)) {
    ctx.error(node, `${prefix}data: expected a list of files or directories, like [config.json]`);
    return [];
  }
  const out: DataFile[] = [];
  for (const item of node.items as Node[]) {
    const span = ctx.span(item);
    let from: DataFile["from"] = "context";
    let src: string | undefined;
    let dest: string | undefined;
    let mode: number | undefined;
    let owner: DataFile["owner"];
    const keys = isMap(item) ? ctx.keys(item, DATA_KEYS, `${prefix}data[].`) : undefined;
    if (keys) {
      if (keys.has("from")) {
        const f = ctx.string(keys.get("from"), `${prefix}data[].from`);
        if (f && (f.value === "context" || f.value === "build")) from = f.value;
        else if (f) ctx.error(keys.get("from"), `${prefix}data[].from: expected context or build`);
      }
      if (!keys.has("src")) ctx.error(item, `${prefix}data[]: missing key src`);
      else src = dataSource(ctx, keys.get("src"), from, prefix);
      if (keys.has("dest")) dest = ctx.absPath(keys.get("dest"), `${prefix}data[].dest`);
      if (keys.has("mode")) mode = ctx.mode(keys.get("mode"), `${prefix}data[].mode`);
      if (keys.has("owner")) owner = ctx.owner(keys.get("owner"), `${prefix}data[].owner`);
    } else {
      src = dataSource(ctx, item, "context", prefix);
    }
    if (src === undefined) continue;
    const finalDest = dest ?? (from === "context" ? `/${src}` : src);
    if (finalDest === "/") {
      ctx.errorSpan(span, `${prefix}data[].dest: cannot be the image root`);
      continue;
    }
    out.push({
      from,
      src,
      dest: finalDest,
      ...(mode !== undefined ? { mode } : {}),
      ...(owner ? { owner } : {}),
      span,
    });
  }
  return out;
}

/** Context paths stay inside the context; build paths are absolute in the build stage. */
function dataSource(
  ctx: Context,
  node: Node | undefined,
  from: DataFile["from"],
  prefix: string,
): string | undefined {
  const s = ctx.string(node, `${prefix}data[].src`);
  if (!s) return undefined;
  if (from === "build") return ctx.absPath(node, `${prefix}data[].src`);
  const clean = cleanPath(s.value);
  if (s.value.startsWith("/") || clean === ".." || clean.startsWith("../") || clean === ".") {
    ctx.error(
      node,
      `${prefix}data[].src: ${JSON.stringify(s.value)} must be a path inside the build context`,
    );
    return undefined;
  }
  if (!ctx.usablePath(node, s.value, `${prefix}data[].src`)) return undefined;
  return clean;
}

function parseEssentials(ctx: Context, node: Node | undefined, prefix: string): Essentials {
  const e: Essentials = {
    nonroot: false,
    caCertificates: false,
    tzdata: [],
    tmp: false,
    span: ctx.span(node),
  };
  if (!isSeq(node)) {
    ctx.error(
      node,
      `${prefix}essentials: expected a list, like [nonroot, ca-certificates, tmp, {tzdata: [UTC]}]`,
    );
    return e;
  }
  for (const item of node.items as Node[]) {
    if (isMap(item)) {
      const keys = ctx.keys(item, ["tzdata"], `${prefix}essentials[].`);
      if (keys.has("tzdata"))
        e.tzdata = ctx
          .stringList(keys.get("tzdata"), `${prefix}essentials[].tzdata`, ZONE, "a zone like Europe/Paris")
          .map((z) => z.value);
      continue;
    }
    const s = ctx.string(item, `${prefix}essentials[]`);
    if (!s) continue;
    if (s.value === "nonroot") e.nonroot = true;
    else if (s.value === "ca-certificates") e.caCertificates = true;
    else if (s.value === "tmp") e.tmp = true;
    else if (s.value === "tzdata")
      ctx.error(item, `${prefix}essentials[]: tzdata needs its zones, e.g. {tzdata: [UTC, Europe/Paris]}`);
    else ctx.unknown(item, s.value, ESSENTIALS, `${prefix}essentials[]`);
  }
  return e;
}

function parseImage(ctx: Context, node: Node | undefined, prefix: string, inherit?: ImageSpec): ImageSpec {
  const spec: ImageSpec = inherit
    ? {
        ...inherit,
        env: [...inherit.env],
        labels: [...inherit.labels],
        ports: [...inherit.ports],
        volumes: [...inherit.volumes],
      }
    : { env: [], labels: [], ports: [], volumes: [] };
  // A target's own artifacts decide its default entrypoint, not the top level's.
  if (inherit && prefix) {
    delete spec.entrypoint;
    delete spec.cmd;
  }
  if (node === undefined) return spec;
  if (!isMap(node)) {
    ctx.error(node, `${prefix}image: expected a mapping with keys like entrypoint, env, user`);
    return spec;
  }
  const keys = ctx.keys(node, IMAGE_KEYS, `${prefix}image.`);
  for (const key of ["entrypoint", "cmd"] as const) {
    const n = keys.get(key);
    if (n === undefined) continue;
    if (isScalar(n) && typeof n.value === "string") {
      ctx.error(
        n,
        `${prefix}image.${key}: shell form is not possible in a FROM scratch image (there is no /bin/sh); use exec form, e.g. ${key}: ${JSON.stringify(n.value.trim().split(/\s+/))}`,
      );
      continue;
    }
    spec[key] = ctx.stringList(n, `${prefix}image.${key}`).map((s) => s.value);
  }
  if (keys.has("env"))
    spec.env = mergePairs(spec.env, ctx.stringMap(keys.get("env"), `${prefix}image.env`, ENV_NAME));
  if (keys.has("labels"))
    spec.labels = mergePairs(spec.labels, ctx.stringMap(keys.get("labels"), `${prefix}image.labels`));
  if (keys.has("user")) {
    const u = ctx.string(
      keys.get("user"),
      `${prefix}image.user`,
      /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/,
      "user[:group]",
    );
    if (u) spec.user = u.value;
  }
  if (keys.has("workdir")) spec.workdir = ctx.absPath(keys.get("workdir"), `${prefix}image.workdir`);
  if (keys.has("ports")) {
    spec.ports = ctx
      .stringList(keys.get("ports"), `${prefix}image.ports`, PORT, "a port like 8080 or 53/udp")
      .map((p) => (p.value.includes("/") ? p.value : `${p.value}/tcp`));
  }
  if (keys.has("volumes")) {
    spec.volumes = ctx
      .stringList(keys.get("volumes"), `${prefix}image.volumes`)
      .flatMap((v) =>
        v.value.startsWith("/")
          ? [path.normalize(v.value)]
          : (ctx.errorSpan(v.span, `${prefix}image.volumes[]: expected an absolute path`), []),
      );
  }
  if (keys.has("stop-signal")) {
    const s = ctx.string(
      keys.get("stop-signal"),
      `${prefix}image.stop-signal`,
      SIGNAL,
      "a signal like SIGTERM",
    );
    if (s) spec.stopSignal = s.value;
  }
  return spec;
}

function mergePairs(base: Array<[string, string]>, extra: Array<[string, string]>): Array<[string, string]> {
  return [...base.filter(([k]) => !extra.some(([e]) => e === k)), ...extra];
}

function inferPackageManager(image: string): PackageManager | undefined {
  const repo = image.split("@")[0]?.split(":")[0]?.split("/").pop() ?? "";
  if (repo === "alpine" || repo.endsWith("-alpine")) return "apk";
  if (["debian", "ubuntu"].includes(repo)) return "apt";
  return undefined;
}

function yamlMessage(message: string): string {
  // The yaml library appends a position; ours comes first already.
  return `invalid YAML: ${message.replace(/ at line \d+, column \d+.*$/s, "")}`;
}

/** The name rules, for code that derives names and must keep to them (and for the fuzzer). */
export { APP_NAME, ENV_NAME, SECRET_ID, ZONE };

/**
 * The top-level target's name when the manifest sets no `name`: the first artifact's file name
 * made into a valid target name (lowercase, other characters as "-"), so `--target` and the
 * image title accept it; "app" when nothing of it is left.
 */
function targetNameOf(dest: string | undefined): string {
  const base = path
    .basename(dest ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "");
  return APP_NAME.test(base) ? base : "app";
}
