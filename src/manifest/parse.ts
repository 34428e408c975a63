import path from "node:path/posix";
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from "yaml";
import { DEFAULT_BUILD_IMAGE, DEFAULT_WORKDIR, OUTPUT_DIR } from "./defaults.js";
import { type Diagnostic, ManifestError } from "./errors.js";
import { closest } from "./suggest.js";
import type { Artifact, BuildSpec, ImageSpec, Located, Manifest, PackageManager, Span } from "./types.js";

const TOP_KEYS = ["version", "name", "build", "artifacts", "image"] as const;
const BUILD_KEYS = ["image", "package-manager", "packages", "workdir", "env", "run"] as const;
const ARTIFACT_KEYS = ["path", "dest", "allow-dlopen"] as const;
const IMAGE_KEYS = ["entrypoint", "cmd", "env", "user", "workdir", "labels"] as const;
const PACKAGE_MANAGERS: readonly PackageManager[] = ["apk", "apt", "none"];

// Package names go to the package manager as separate argv words; this also keeps
// option-looking or shell-looking words out.
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:=~<>-]*$/;
const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:@-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const APP_NAME = /^[a-z0-9][a-z0-9._-]*$/;

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

  const buildNode = top.get("build");
  const build = parseBuild(ctx, buildNode, root);
  const artifacts = parseArtifacts(ctx, top.get("artifacts"), root);
  const image = parseImage(ctx, top.get("image"));

  if (ctx.diagnostics.length > 0 || build === undefined) throw new ManifestError(filename, ctx.diagnostics);
  if (image.entrypoint === undefined && image.cmd === undefined && artifacts.length === 1 && artifacts[0]) {
    image.entrypoint = [artifacts[0].dest];
  }
  return {
    filename,
    source,
    version: 1,
    name: name?.value ?? path.basename(artifacts[0]?.dest ?? "app"),
    build,
    artifacts,
    image,
  };
}

function parseBuild(ctx: Context, node: Node | undefined, root: YAMLMap): BuildSpec | undefined {
  if (node === undefined) {
    ctx.error(root, "missing key build: name the build commands that produce the artifacts");
    return undefined;
  }
  if (!isMap(node)) {
    ctx.error(node, "build: expected a mapping with keys image, packages, run");
    return undefined;
  }
  const keys = ctx.keys(node, BUILD_KEYS, "build.");
  const image = keys.has("image")
    ? ctx.string(keys.get("image"), "build.image", IMAGE_NAME, "an image reference like alpine:3.22")
    : { value: DEFAULT_BUILD_IMAGE, span: ctx.span(node) };
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
    else if (packages.length > 0)
      ctx.error(
        keys.get("packages"),
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
  const env = keys.has("env") ? ctx.stringMap(keys.get("env"), "build.env", ENV_NAME) : [];
  const runNode = keys.get("run");
  let run: Located<string>[] = [];
  if (runNode === undefined) ctx.error(node, "build: missing key run: the commands that build the artifacts");
  else if (isSeq(runNode)) run = ctx.stringList(runNode, "build.run");
  else {
    const one = ctx.string(runNode, "build.run", undefined, "a command or a list of commands");
    if (one) run = [one];
  }
  if (runNode !== undefined && run.length === 0 && !ctx.hasErrorIn(runNode))
    ctx.error(runNode, "build.run: expected at least one command");
  for (const r of run) if (r.value.trim() === "") ctx.errorSpan(r.span, "build.run: empty command");
  if (!image || !packageManager) return undefined;
  return {
    image,
    packageManager,
    packages,
    workdir: workdir ?? DEFAULT_WORKDIR,
    env,
    run,
    span: ctx.span(node),
  };
}

function parseArtifacts(ctx: Context, node: Node | undefined, root: YAMLMap): Artifact[] {
  if (node === undefined) {
    ctx.error(root, "missing key artifacts: list the files the build writes to /out");
    return [];
  }
  if (!isSeq(node) || node.items.length === 0) {
    ctx.error(node, "artifacts: expected a non-empty list of paths under /out, like [hello]");
    return [];
  }
  const out: Artifact[] = [];
  const dests = new Map<string, Span>();
  for (const item of node.items as Node[]) {
    let rel: string | undefined;
    let dest: string | undefined;
    let allowDlopen = false;
    if (isMap(item)) {
      const keys = ctx.keys(item, ARTIFACT_KEYS, "artifacts[].");
      if (!keys.has("path")) ctx.error(item, "artifacts[]: missing key path");
      else rel = ctx.outputPath(keys.get("path"));
      if (keys.has("dest")) dest = ctx.absPath(keys.get("dest"), "artifacts[].dest");
      if (keys.has("allow-dlopen"))
        allowDlopen = ctx.boolean(keys.get("allow-dlopen"), "artifacts[].allow-dlopen");
    } else {
      rel = ctx.outputPath(item);
    }
    if (rel === undefined) continue;
    const finalDest = dest ?? `/${rel}`;
    const span = ctx.span(item);
    if (finalDest === "/") {
      ctx.errorSpan(span, "artifacts[].dest: cannot be the image root");
      continue;
    }
    const seen = dests.get(finalDest);
    if (seen) ctx.errorSpan(span, `artifacts: ${finalDest} is already the destination of line ${seen.line}`);
    dests.set(finalDest, span);
    out.push({ path: rel, dest: finalDest, allowDlopen, span });
  }
  return out;
}

function parseImage(ctx: Context, node: Node | undefined): ImageSpec {
  const spec: ImageSpec = { env: [], labels: [] };
  if (node === undefined) return spec;
  if (!isMap(node)) {
    ctx.error(node, "image: expected a mapping with keys like entrypoint, env, user");
    return spec;
  }
  const keys = ctx.keys(node, IMAGE_KEYS, "image.");
  for (const key of ["entrypoint", "cmd"] as const) {
    const n = keys.get(key);
    if (n === undefined) continue;
    if (isScalar(n) && typeof n.value === "string") {
      ctx.error(
        n,
        `image.${key}: shell form is not possible in a FROM scratch image (there is no /bin/sh); use exec form, e.g. ${key}: ${JSON.stringify(n.value.trim().split(/\s+/))}`,
      );
      continue;
    }
    spec[key] = ctx.stringList(n, `image.${key}`).map((s) => s.value);
  }
  if (keys.has("env")) spec.env = ctx.stringMap(keys.get("env"), "image.env", ENV_NAME);
  if (keys.has("labels")) spec.labels = ctx.stringMap(keys.get("labels"), "image.labels");
  if (keys.has("user")) {
    const u = ctx.string(
      keys.get("user"),
      "image.user",
      /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/,
      "user[:group]",
    );
    if (u) spec.user = u.value;
  }
  if (keys.has("workdir")) spec.workdir = ctx.absPath(keys.get("workdir"), "image.workdir");
  return spec;
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

/** Collects diagnostics while walking the YAML tree. */
class Context {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {}

  span(node: Node | undefined): Span {
    const [start, end] = node?.range ?? [0, 0];
    const a = this.lines.linePos(start);
    // The range end sits after the value; step back so a value ending a line stays on it.
    const b = this.lines.linePos(Math.max(start, trimEnd(this.source, end)));
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }

  error(node: Node | undefined, message: string): void {
    this.errorSpan(this.span(node), message);
  }

  errorSpan(span: Span, message: string): void {
    this.diagnostics.push({ span, message });
  }

  errorAt(start: number, end: number, message: string): void {
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(end);
    this.errorSpan({ line: a.line, col: a.col, endLine: b.line, endCol: b.col }, message);
  }

  hasErrorIn(node: Node): boolean {
    const s = this.span(node);
    return this.diagnostics.some((d) => d.span.line >= s.line && d.span.line <= s.endLine);
  }

  /** Reads a mapping's keys, reporting unknown ones with a "did you mean" hint. */
  keys(map: YAMLMap, known: readonly string[], prefix: string): Map<string, Node | undefined> {
    const out = new Map<string, Node | undefined>();
    for (const pair of map.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        this.error(pair.key ?? undefined, `${prefix || "top level"}: expected a plain key`);
        continue;
      }
      if (!known.includes(key)) {
        const hint = closest(key, known);
        this.error(
          pair.key,
          `unknown key ${prefix}${key}${hint ? `; did you mean ${prefix}${hint}?` : `; expected one of ${known.join(", ")}`}`,
        );
        continue;
      }
      // A key with no value ("run:") is reported where it stands, not as missing.
      out.set(key, pair.value ?? pair.key);
    }
    return out;
  }

  string(
    node: Node | undefined,
    what: string,
    pattern?: RegExp,
    expected?: string,
  ): Located<string> | undefined {
    if (!isScalar(node) || node.value === null || typeof node.value === "object") {
      this.error(node, `${what}: expected ${expected ?? "a string"}`);
      return undefined;
    }
    const value = String(node.value);
    if (pattern && !pattern.test(value)) {
      this.error(node, `${what}: ${JSON.stringify(value)} is not ${expected ?? "valid"}`);
      return undefined;
    }
    return { value, span: this.span(node) };
  }

  stringList(node: Node | undefined, what: string, pattern?: RegExp, expected?: string): Located<string>[] {
    if (!isSeq(node)) {
      this.error(node, `${what}: expected a list${expected ? ` of ${expected}s` : ""}`);
      return [];
    }
    const out: Located<string>[] = [];
    for (const item of node.items as Node[]) {
      const s = this.string(item, `${what}[]`, pattern, expected);
      if (s) out.push(s);
    }
    return out;
  }

  stringMap(node: Node | undefined, what: string, keyPattern?: RegExp): Array<[string, string]> {
    if (!isMap(node)) {
      this.error(node, `${what}: expected a mapping of names to values`);
      return [];
    }
    const out: Array<[string, string]> = [];
    for (const pair of node.items as Pair<Node, Node>[]) {
      const key = this.string(pair.key, `${what} key`, keyPattern, "a variable name");
      const value = this.string(pair.value ?? undefined, `${what}.${key?.value ?? "?"}`);
      if (key && value) out.push([key.value, value.value]);
    }
    return out;
  }

  boolean(node: Node | undefined, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== "boolean") {
      this.error(node, `${what}: expected true or false`);
      return false;
    }
    return node.value;
  }

  absPath(node: Node | undefined, what: string): string | undefined {
    const s = this.string(node, what);
    if (!s) return undefined;
    if (!s.value.startsWith("/") || s.value.split("/").includes("..")) {
      this.error(node, `${what}: expected an absolute path without "..", got ${JSON.stringify(s.value)}`);
      return undefined;
    }
    return path.normalize(s.value).replace(/(.)\/$/, "$1");
  }

  /** A path inside the output directory: "hello", "bin/hello" or "/out/hello". */
  outputPath(node: Node | undefined): string | undefined {
    const s = this.string(node, "artifacts[]", undefined, `a path under ${OUTPUT_DIR}`);
    if (!s) return undefined;
    let p = s.value;
    if (p.startsWith(`${OUTPUT_DIR}/`)) p = p.slice(OUTPUT_DIR.length + 1);
    const clean = path.normalize(p);
    if (p.startsWith("/") || clean === "." || clean.startsWith("../") || clean === ".." || p.includes("\0")) {
      this.error(node, `artifacts[]: ${JSON.stringify(s.value)} must be a path inside ${OUTPUT_DIR}`);
      return undefined;
    }
    return clean.replace(/\/$/, "");
  }
}

function trimEnd(source: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(source[i - 1] ?? "")) i--;
  return Math.max(0, i - 1);
}
