import path from "node:path/posix";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { cleanPath } from "../llb/path.js";
import { parseImageRef } from "../llb/reference.js";
import { Context, type KeyLevel } from "./context.js";
import { DEFAULT_BUILD_IMAGE, DEFAULT_WORKDIR, OUTPUT_DIR } from "./defaults.js";
import { reportDuplicateKeys } from "./duplicates.js";
import { ManifestError } from "./errors.js";
import { exposedPort, imageUser, labelKey, stopSignal, volumePath } from "./image-checks.js";
import { closest } from "./suggest.js";
import {
  type Artifact,
  type BuildArg,
  type BuildDocument,
  type CacheMount,
  type DataFile,
  type Essentials,
  type ImageDocument,
  type Located,
  type ManifestDocument,
  type PackageManager,
  PRESET_NAMES,
  type PresetName,
  type RunStep,
  type SecretMount,
  type Span,
  type TargetDocument,
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
  "cross",
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
const SHARING: readonly CacheMount["sharing"][] = ["shared", "private", "locked"];
const DATA_FROM = ["context", "build"] as const;
/** A named context's name as buildx's --build-context takes it (an image name, or a plain word). */
const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/;

// Package names go to the package manager as separate argv words; this also keeps
// option-looking or shell-looking words out.
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:=~<>-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const APP_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

// Where a misplaced key belongs: a top-level `entrypoint` hints image.entrypoint.
const TOP_ELSEWHERE: readonly KeyLevel[] = [
  { prefix: "build.", keys: BUILD_KEYS },
  { prefix: "image.", keys: IMAGE_KEYS },
];
const BUILD_ELSEWHERE: readonly KeyLevel[] = [
  { prefix: "", keys: TOP_KEYS },
  { prefix: "image.", keys: IMAGE_KEYS },
];
const IMAGE_ELSEWHERE: readonly KeyLevel[] = [
  { prefix: "", keys: TOP_KEYS },
  { prefix: "build.", keys: BUILD_KEYS },
];

/**
 * Parses and validates a manifest into what it writes, typed and with spans. Throws
 * ManifestError listing every problem with `file:line:col`; never returns a half-valid
 * manifest. It decides nothing: the preset and the image defaults are the plan's
 * (src/plan/manifest.ts's loadManifest is what readers call).
 */
export function parseManifest(source: string, filename: string): ManifestDocument {
  const lines = new LineCounter();
  // uniqueKeys is quadratic in the keys of a mapping; duplicates are found below in one pass.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const ctx = new Context(lines, source);
  for (const e of doc.errors) ctx.errorAt(e.pos[0], e.pos[1], yamlMessage(e.message));
  if (ctx.diagnostics.length === 0) reportDuplicateKeys(ctx, doc.contents);
  if (ctx.diagnostics.length > 0) throw new ManifestError(filename, ctx.diagnostics);

  const root = doc.contents;
  if (!isMap(root)) {
    ctx.error(root ?? undefined, "expected a mapping with keys build and artifacts (see the README)");
    throw new ManifestError(filename, ctx.diagnostics);
  }
  const top = ctx.keys(root, TOP_KEYS, "", TOP_ELSEWHERE);

  const versionNode = top.get("version");
  if (versionNode !== undefined) {
    const v = isScalar(versionNode) ? versionNode.value : undefined;
    if (v !== 1 && v !== "1") ctx.error(versionNode, "version: only version 1 is known");
  }
  const name = top.has("name")
    ? ctx.string(top.get("name"), "name", APP_NAME, "a lowercase name like hello")
    : undefined;
  const preset = top.has("preset") ? ctx.oneOf(top.get("preset"), "preset", PRESET_NAMES) : undefined;
  if (preset && !name)
    ctx.error(root, "preset: also set name, the program the preset builds (e.g. name: hello)");
  const args = top.has("args") ? parseArgs(ctx, top.get("args")) : [];
  // With a preset and a name, the plan builds and ships the preset's program where the
  // manifest names no commands or artifacts.
  const presetShips = preset !== undefined && name !== undefined;
  const build = parseBuild(ctx, top.get("build"), root, preset, presetShips);
  const topBody = parseTargetBody(ctx, top, "", ctx.span(root));
  const topIsTarget = top.has("artifacts") || preset !== undefined;
  const topName = name?.value ?? targetNameOf(topBody.artifacts?.[0]?.dest);
  const targets = top.has("targets") ? parseTargets(ctx, top.get("targets"), topBody, presetShips) : [];
  if (!topIsTarget && targets.length === 0 && ctx.diagnostics.length === 0) {
    ctx.error(root, "missing key artifacts: list the files the build writes to /out");
  }
  const names = new Set<string>();
  for (const t of [...(topIsTarget ? [{ name: topName, span: topBody.span }] : []), ...targets]) {
    if (names.has(t.name)) ctx.errorSpan(t.span, `targets: ${t.name} is defined twice`);
    names.add(t.name);
  }

  if (ctx.diagnostics.length > 0 || build === undefined) throw new ManifestError(filename, ctx.diagnostics);
  return {
    filename,
    source,
    version: 1,
    ...(name ? { name } : {}),
    ...(preset ? { preset } : {}),
    args,
    build,
    top: { ...topBody, name: topName },
    topIsTarget,
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
  presetShips: boolean,
): BuildDocument | undefined {
  if (node === undefined && !preset) {
    ctx.error(root, "missing key build: name the build commands that produce the artifacts");
    return undefined;
  }
  if (node !== undefined && !isMap(node)) {
    ctx.error(node, "build: expected a mapping with keys image, packages, run");
    return undefined;
  }
  const keys = node
    ? ctx.keys(node, BUILD_KEYS, "build.", BUILD_ELSEWHERE)
    : new Map<string, Node | undefined>();
  const where = node ?? root;
  const image = keys.has("image")
    ? imageReference(ctx, keys.get("image"))
    : { value: DEFAULT_BUILD_IMAGE, span: preset?.span ?? ctx.span(where) };
  const packages = keys.has("packages")
    ? ctx.stringList(keys.get("packages"), "build.packages", PACKAGE_NAME, "a package name")
    : [];
  let packageManager: Located<PackageManager> | undefined;
  if (keys.has("package-manager")) {
    packageManager = ctx.oneOf(keys.get("package-manager"), "build.package-manager", PACKAGE_MANAGERS);
  } else if (image) {
    const inferred = inferPackageManager(parseImageRef(image.value).path);
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
  const workdirNode = keys.get("workdir");
  const workdir = workdirNode !== undefined ? ctx.absPath(workdirNode, "build.workdir") : DEFAULT_WORKDIR;
  if (workdir === OUTPUT_DIR)
    ctx.error(keys.get("workdir"), `build.workdir: ${OUTPUT_DIR} is the output directory`);
  const env = keys.has("env") ? ctx.stringMap(keys.get("env"), "build.env", ENV_NAME) : [];
  const sharedCache = keys.has("cache") ? parseCaches(ctx, keys.get("cache"), "build.cache") : [];
  const sharedSecrets = keys.has("secrets") ? parseSecrets(ctx, keys.get("secrets"), "build.secrets") : [];
  const context = keys.has("context")
    ? parseContextFilter(ctx, keys.get("context"))
    : { include: [], exclude: [] };

  const runNode = keys.get("run");
  const run: RunStep[] = runNode !== undefined ? parseRun(ctx, runNode, sharedCache, sharedSecrets) : [];
  // Without build.run, a preset's commands build the program (the plan's); they need a package manager.
  if (runNode === undefined && node && !(presetShips && packageManager))
    ctx.error(node, "build: missing key run: the commands that build the artifacts");
  const crossNode = keys.get("cross");
  const cross = keys.has("cross")
    ? { value: ctx.boolean(crossNode, "build.cross"), span: ctx.span(crossNode ?? where) }
    : undefined;
  if (!image || !packageManager) return undefined;
  return {
    image,
    packageManager,
    packages,
    workdir: workdir ?? DEFAULT_WORKDIR,
    ...(workdirNode !== undefined ? { workdirSpan: ctx.span(workdirNode) } : {}),
    env,
    run,
    contextInclude: context.include,
    contextExclude: context.exclude,
    ...(cross ? { cross } : {}),
    span: ctx.span(where),
    cache: sharedCache,
    secrets: sharedSecrets,
  };
}

function parseRun(ctx: Context, node: Node, cache: CacheMount[], secrets: SecretMount[]): RunStep[] {
  const items: Node[] = isSeq(node) ? (node.items as Node[]) : [node];
  if (isSeq(node) && items.length === 0) ctx.error(node, "build.run: expected at least one command");
  const steps: RunStep[] = [];
  for (const [i, item] of items.entries()) {
    const at = isSeq(node) ? `build.run[${i}]` : "build.run";
    if (isMap(item)) {
      const keys = ctx.keys(item, RUN_KEYS, `${at}.`);
      const command = keys.has("run")
        ? ctx.string(keys.get("run"), `${at}.run`, undefined, "a command")
        : (ctx.error(item, `${at}: missing key run`), undefined);
      const extraCache = keys.has("cache") ? parseCaches(ctx, keys.get("cache"), `${at}.cache`) : [];
      const extraSecrets = keys.has("secrets") ? parseSecrets(ctx, keys.get("secrets"), `${at}.secrets`) : [];
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
  for (const [i, item] of (node.items as Node[]).entries()) {
    const at = `${what}[${i}]`;
    if (isMap(item)) {
      const keys = ctx.keys(item, CACHE_KEYS, `${at}.`);
      const pathNode = keys.get("path") ?? item;
      const p = ctx.absPath(pathNode, `${at}.path`);
      const id = keys.has("id") ? ctx.string(keys.get("id"), `${at}.id`, SECRET_ID, "a cache id") : undefined;
      const sharing = keys.has("sharing")
        ? (ctx.oneOf(keys.get("sharing"), `${at}.sharing`, SHARING)?.value ?? "shared")
        : "shared";
      if (p) out.push({ path: p, ...(id ? { id: id.value } : {}), sharing, span: ctx.span(pathNode) });
    } else {
      const p = ctx.absPath(item, at);
      if (p) out.push({ path: p, sharing: "shared", span: ctx.span(item) });
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
  for (const [i, item] of (node.items as Node[]).entries()) {
    const at = `${what}[${i}]`;
    let id: Located<string> | undefined;
    let target: string | undefined;
    let targetNode: Node | undefined;
    let required = true;
    if (isMap(item)) {
      const keys = ctx.keys(item, SECRET_KEYS, `${at}.`);
      if (!keys.has("id")) ctx.error(item, `${at}: missing key id`);
      else id = ctx.string(keys.get("id"), `${at}.id`, SECRET_ID, "a secret id");
      targetNode = keys.get("target");
      if (targetNode !== undefined) target = ctx.absPath(targetNode, `${at}.target`);
      if (keys.has("required")) required = ctx.boolean(keys.get("required"), `${at}.required`);
    } else {
      id = ctx.string(item, at, SECRET_ID, "a secret id");
    }
    const span = ctx.span(targetNode ?? item);
    if (id) out.push({ id: id.value, target: target ?? `/run/secrets/${id.value}`, required, span });
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

type TargetBody = Omit<TargetDocument, "name">;

/**
 * artifacts, data, essentials and image as one target (or the top level) writes them. Their
 * destinations are checked against what the target inherits from `top`.
 */
function parseTargetBody(
  ctx: Context,
  keys: Map<string, Node | undefined>,
  prefix: string,
  span: Span,
  top?: TargetBody,
): TargetBody {
  const artifacts = keys.has("artifacts") ? parseArtifacts(ctx, keys.get("artifacts"), prefix) : undefined;
  const data = keys.has("data") ? parseData(ctx, keys.get("data"), prefix) : undefined;
  const essentials = keys.has("essentials")
    ? parseEssentials(ctx, keys.get("essentials"), prefix)
    : undefined;
  const image = parseImage(ctx, keys.get("image"), prefix);
  const dests = new Map<string, Span>();
  for (const f of [...(artifacts ?? top?.artifacts ?? []), ...(data ?? top?.data ?? [])]) {
    const seen = dests.get(f.dest);
    if (seen && seen !== f.span)
      ctx.errorSpan(f.span, `${prefix}artifacts: ${f.dest} is already the destination of line ${seen.line}`);
    dests.set(f.dest, f.span);
  }
  return {
    ...(artifacts ? { artifacts } : {}),
    ...(data ? { data } : {}),
    ...(essentials ? { essentials } : {}),
    image,
    span,
  };
}

function parseTargets(
  ctx: Context,
  node: Node | undefined,
  top: TargetBody,
  presetShips: boolean,
): TargetDocument[] {
  if (!isMap(node)) {
    ctx.error(node, "targets: expected a mapping of target names to artifacts and image settings");
    return [];
  }
  const out: TargetDocument[] = [];
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
    const at = `targets.${name.value}.`;
    const keys = ctx.keys(body, TARGET_KEYS, at, [{ prefix: `${at}image.`, keys: IMAGE_KEYS }]);
    const t = parseTargetBody(ctx, keys, `targets.${name.value}.`, ctx.span(body), top);
    // What it ships: its own artifacts, else the top level's, else the preset's program.
    const ships = t.artifacts ?? top.artifacts;
    if (ships ? ships.length === 0 : !presetShips)
      ctx.error(body, `targets.${name.value}: missing key artifacts`);
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
  for (const [i, item] of (node.items as Node[]).entries()) {
    const at = `${prefix}artifacts[${i}]`;
    let rel: string | undefined;
    let dest: string | undefined;
    let mode: number | undefined;
    let allowDlopen = false;
    if (isMap(item)) {
      const keys = ctx.keys(item, ARTIFACT_KEYS, `${at}.`);
      if (!keys.has("path")) ctx.error(item, `${at}: missing key path`);
      else rel = ctx.outputPath(keys.get("path"), `${at}.path`);
      if (keys.has("dest")) dest = ctx.absPath(keys.get("dest"), `${at}.dest`);
      if (keys.has("mode")) mode = ctx.mode(keys.get("mode"), `${at}.mode`);
      if (keys.has("allow-dlopen")) allowDlopen = ctx.boolean(keys.get("allow-dlopen"), `${at}.allow-dlopen`);
    } else {
      rel = ctx.outputPath(item, at);
    }
    if (rel === undefined) continue;
    const finalDest = dest ?? `/${rel}`;
    const span = ctx.span(item);
    if (finalDest === "/") {
      ctx.errorSpan(span, `${at}.dest: cannot be the image root`);
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
  for (const [i, item] of (node.items as Node[]).entries()) {
    const at = `${prefix}data[${i}]`;
    const span = ctx.span(item);
    let from: DataFile["from"] = "context";
    let named: Located<string> | undefined;
    let src: string | undefined;
    let dest: string | undefined;
    let mode: number | undefined;
    let owner: DataFile["owner"];
    const keys = isMap(item) ? ctx.keys(item, DATA_KEYS, `${at}.`) : undefined;
    if (keys) {
      if (keys.has("from")) {
        const f = dataFrom(ctx, keys.get("from"), `${at}.from`);
        if (f === undefined) continue;
        from = f.from;
        named = f.named;
      }
      if (!keys.has("src")) ctx.error(item, `${at}: missing key src`);
      else src = dataSource(ctx, keys.get("src"), from, `${at}.src`);
      if (keys.has("dest")) dest = ctx.absPath(keys.get("dest"), `${at}.dest`);
      if (keys.has("mode")) mode = ctx.mode(keys.get("mode"), `${at}.mode`);
      if (keys.has("owner")) owner = ctx.owner(keys.get("owner"), `${at}.owner`);
    } else {
      src = dataSource(ctx, item, "context", at);
    }
    if (src === undefined) continue;
    const finalDest = dest ?? (from === "build" ? src : `/${src}`);
    if (finalDest === "/") {
      ctx.errorSpan(span, `${at}.dest: cannot be the image root`);
      continue;
    }
    out.push({
      from,
      ...(named ? { named } : {}),
      src,
      dest: finalDest,
      ...(mode !== undefined ? { mode } : {}),
      ...(owner ? { owner } : {}),
      span,
    });
  }
  return out;
}

/**
 * `from:` is context, build, or the name of a named context. A near miss of the two keywords
 * is a typo, not a name (a context called "contxt" would be a trap).
 */
function dataFrom(
  ctx: Context,
  node: Node | undefined,
  what: string,
): { from: DataFile["from"]; named?: Located<string> } | undefined {
  const s = ctx.string(node, what, CONTEXT_NAME, "context, build or the name of a named context");
  if (!s) return undefined;
  if ((DATA_FROM as readonly string[]).includes(s.value)) return { from: s.value as DataFile["from"] };
  const near = closest(s.value, DATA_FROM);
  if (near !== undefined) {
    ctx.error(node, `${what}: expected context, build or a named context's name; did you mean ${near}?`);
    return undefined;
  }
  return { from: "named", named: s };
}

/** Context paths stay inside the context; build paths are absolute in the build stage. */
function dataSource(
  ctx: Context,
  node: Node | undefined,
  from: DataFile["from"],
  what: string,
): string | undefined {
  const s = ctx.string(node, what);
  if (!s) return undefined;
  if (from === "build") return ctx.absPath(node, what);
  // A named context is often an image: its paths are written absolute, as COPY --from takes them.
  const value = from === "named" ? s.value.replace(/^\/+/, "") : s.value;
  const clean = cleanPath(value);
  const where = from === "named" ? "the named context" : "the build context";
  if (value.startsWith("/") || clean === ".." || clean.startsWith("../") || clean === ".") {
    ctx.error(node, `${what}: ${JSON.stringify(s.value)} must be a path inside ${where}`);
    return undefined;
  }
  if (!ctx.usablePath(node, s.value, what)) return undefined;
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
  for (const [i, item] of (node.items as Node[]).entries()) {
    const at = `${prefix}essentials[${i}]`;
    if (isMap(item)) {
      const keys = ctx.keys(item, ["tzdata"], `${at}.`);
      if (keys.has("tzdata"))
        e.tzdata = ctx
          .stringList(keys.get("tzdata"), `${at}.tzdata`, ZONE, "a zone like Europe/Paris")
          .map((z) => z.value);
      continue;
    }
    const s = ctx.string(item, at);
    if (!s) continue;
    if (s.value === "nonroot") e.nonroot = true;
    else if (s.value === "ca-certificates") e.caCertificates = true;
    else if (s.value === "tmp") e.tmp = true;
    else if (s.value === "tzdata")
      ctx.error(item, `${at}: tzdata needs its zones, e.g. {tzdata: [UTC, Europe/Paris]}`);
    else ctx.unknown(item, s.value, ESSENTIALS, at);
  }
  return e;
}

/** The image keys one level sets (inheritance and defaults are the plan's). */
function parseImage(ctx: Context, node: Node | undefined, prefix: string): ImageDocument {
  const spec: ImageDocument = {};
  if (node === undefined) return spec;
  if (!isMap(node)) {
    ctx.error(node, `${prefix}image: expected a mapping with keys like entrypoint, env, user`);
    return spec;
  }
  const at = `${prefix}image`;
  const elsewhere = prefix ? [{ prefix, keys: TARGET_KEYS }] : IMAGE_ELSEWHERE;
  const keys = ctx.keys(node, IMAGE_KEYS, `${at}.`, elsewhere);
  for (const key of ["entrypoint", "cmd"] as const) {
    const n = keys.get(key);
    if (n === undefined) continue;
    if (isScalar(n) && typeof n.value === "string") {
      ctx.error(
        n,
        `${at}.${key}: shell form is not possible in a FROM scratch image (there is no /bin/sh); use exec form, e.g. ${key}: ${JSON.stringify(n.value.trim().split(/\s+/))}`,
      );
      continue;
    }
    const words = ctx.stringList(n, `${at}.${key}`);
    // The program to run cannot be "": the entrypoint's first word, or cmd's without one.
    const first = isSeq(n) ? n.items[0] : undefined;
    const startsProgram = key === "entrypoint" || !keys.has("entrypoint");
    if (isScalar(first) && first.value === "" && startsProgram)
      ctx.error(first, `${at}.${key}[0]: the program to run cannot be an empty string`);
    spec[key] = words.map((w) => w.value);
  }
  if (keys.has("env")) spec.env = ctx.stringMap(keys.get("env"), `${at}.env`, ENV_NAME);
  if (keys.has("labels")) spec.labels = labels(ctx, keys.get("labels"), `${at}.labels`);
  if (keys.has("user")) {
    const u = ctx.string(keys.get("user"), `${at}.user`, undefined, "name|uid[:group|gid]");
    const problem = u && imageUser(u.value);
    if (problem) ctx.error(keys.get("user"), `${at}.user: ${problem}`);
    else if (u) spec.user = u.value;
  }
  if (keys.has("workdir")) spec.workdir = ctx.absPath(keys.get("workdir"), `${at}.workdir`);
  if (keys.has("ports")) {
    spec.ports = ctx
      .stringList(keys.get("ports"), `${at}.ports`, undefined, "a port like 8080 or 53/udp")
      .flatMap((p, i) => {
        const r = exposedPort(p.value);
        if ("value" in r) return [r.value];
        ctx.errorSpan(p.span, `${at}.ports[${i}]: ${r.error}`);
        return [];
      });
  }
  if (keys.has("volumes")) {
    spec.volumes = ctx.stringList(keys.get("volumes"), `${at}.volumes`).flatMap((v, i) => {
      const problem = volumePath(v.value);
      if (problem === undefined) return [v.value.replace(/(.)\/$/, "$1")];
      ctx.errorSpan(v.span, `${at}.volumes[${i}]: ${problem}`);
      return [];
    });
  }
  if (keys.has("stop-signal")) {
    const s = ctx.string(keys.get("stop-signal"), `${at}.stop-signal`, undefined, "a signal like SIGTERM");
    const r = s && stopSignal(s.value);
    if (r && "error" in r) ctx.error(keys.get("stop-signal"), `${at}.stop-signal: ${r.error}`);
    else if (r) spec.stopSignal = r.value;
  }
  return spec;
}

/** Label pairs; keys must be non-empty without NUL or line breaks (values are free text). */
function labels(ctx: Context, node: Node | undefined, what: string): Array<[string, string]> {
  if (!isMap(node)) {
    ctx.error(node, `${what}: expected a mapping of names to values`);
    return [];
  }
  const out: Array<[string, string]> = [];
  for (const pair of node.items) {
    const key = ctx.string(pair.key as Node, `${what} key`, undefined, "a label name");
    const problem = key && labelKey(key.value);
    if (problem) ctx.errorSpan(key.span, `${what}: ${problem}`);
    const value = ctx.string((pair.value as Node | null) ?? undefined, `${what}.${key?.value ?? "?"}`);
    if (key && !problem && value) out.push([key.value, value.value]);
  }
  return out;
}

/** build.image, checked with the parser the LLB uses, so a bad one fails at its line. */
function imageReference(ctx: Context, node: Node | undefined): Located<string> | undefined {
  const s = ctx.string(node, "build.image", undefined, "an image reference like alpine:3.22");
  if (!s) return undefined;
  try {
    parseImageRef(s.value);
    return s;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    ctx.error(
      node,
      `build.image: ${why}; expected a reference like alpine:3.22 or registry.example.com/team/tools:1.0`,
    );
    return undefined;
  }
}

/** From the repository path of a parsed reference ("library/alpine", "team/alpine-go"). */
function inferPackageManager(repoPath: string): PackageManager | undefined {
  const repo = repoPath.split("/").pop() ?? "";
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
