// The manifest fuzzer's driver: one manifest text through the same pure stages the frontend
// runs (parse → plan → LLB → image config → lint and the --call answers), with a fixed fake
// base image, checking what must hold for every input:
//   - the only failure is a ManifestError or PlanError whose every span lies inside the text;
//   - no path with a control character (NUL, tab, newline...) or a ".." segment reaches the LLB;
//   - every name the manifest derives (targets, caches, secrets, env keys...) passes the rule
//     the parser enforces for the same name when the user writes it;
//   - the LLB is deterministic (the same plan marshals to the same bytes twice).
// A violation throws FuzzFinding, whose `kind` names the class of bug (for counting).

import { buildArgs, type Opts, OptsError, sourceDateEpoch } from "../../src/gateway/opts.js";
import { pb } from "../../src/gen/proto.js";
import { assembleBuild } from "../../src/graph/assemble.js";
import { imageConfig } from "../../src/image/config.js";
import { lint, lintWarnings, ManifestLocator } from "../../src/lint/index.js";
import { marshal, normalizeImageRef } from "../../src/llb/index.js";
import { cleanPath } from "../../src/llb/path.js";
import { ManifestError } from "../../src/manifest/errors.js";
import { APP_NAME, ENV_NAME, SECRET_ID, ZONE } from "../../src/manifest/parse.js";
import type { Manifest, Span } from "../../src/manifest/types.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { PlanError, type PlanOptions, planBuild } from "../../src/plan/plan.js";
import type { BuildPlan } from "../../src/plan/types.js";
import { lintAnswer } from "../../src/subrequests/lint.js";
import { outlineAnswer } from "../../src/subrequests/outline.js";
import { targetsAnswer } from "../../src/subrequests/targets.js";

export const FILENAME = "scratchkit.yaml";
/** What a real base image's config gives the plan (alpine's env) and its resolved digest. */
export const FAKE_BASE = {
  platform: { os: "linux", architecture: "amd64" },
  env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  digest: `sha256:${"4b".repeat(32)}`,
};

/** Build options a case varies besides the text, as the frontend's opts would give them. */
export interface CaseOptions {
  /** `--build-arg NAME=value`, as the frontend's opts carry them. */
  buildArgs?: Array<[string, string]>;
  /** SOURCE_DATE_EPOCH as given (the opts parser decides whether it is a number). */
  epoch?: string;
  noCache?: boolean;
  network?: "sandbox" | "host" | "none";
}

/** A broken invariant; `kind` is the class of bug, `detail` the specifics. */
export class FuzzFinding extends Error {
  constructor(
    readonly kind: string,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = "FuzzFinding";
  }
}

export type Outcome = "built" | "rejected";

/** Runs one case; returns whether the manifest built or was rejected as it should be; throws FuzzFinding. */
export function runCase(given: string, opts: CaseOptions = {}): Outcome {
  // What the frontend parses: the manifest's bytes decoded as UTF-8 (no lone surrogates).
  const utf8 = (x: string) => new TextDecoder().decode(new TextEncoder().encode(x));
  const text = utf8(given);
  // Options go through the frontend's own opts parsing; what it refuses never reaches the plan.
  const frontendOpts: Opts = {
    ...Object.fromEntries((opts.buildArgs ?? []).map(([k, v]) => [`build-arg:${utf8(k)}`, utf8(v)])),
    ...(opts.epoch !== undefined ? { "build-arg:SOURCE_DATE_EPOCH": opts.epoch } : {}),
  };
  let epoch: number | undefined;
  try {
    epoch = sourceDateEpoch(frontendOpts);
  } catch (err) {
    if (err instanceof OptsError) return "rejected";
    throw err;
  }
  const m = stage("parse", () => {
    try {
      return loadManifest(text, FILENAME);
    } catch (err) {
      if (err instanceof ManifestError) {
        checkManifestError(err, text);
        // --call check prints the failing lines under the message.
        stage("lint", () =>
          lintAnswer({
            filename: FILENAME,
            text,
            error: { message: err.message, diagnostics: err.diagnostics },
          }),
        );
        return undefined;
      }
      throw err;
    }
  });
  if (m === undefined) return "rejected";
  checkManifest(m);
  const where = stage("lint", () => new ManifestLocator(m));
  for (const t of m.targets) {
    const planOpts: PlanOptions = {
      platform: FAKE_BASE.platform,
      baseEnv: FAKE_BASE.env,
      baseDigest: FAKE_BASE.digest,
      target: t.name,
      network: opts.network ?? "sandbox",
      buildArgs: buildArgs(frontendOpts),
      ...(epoch !== undefined ? { epoch } : {}),
      ...(opts.noCache ? { noCache: true } : {}),
    };
    const plan = stage("plan", () => {
      try {
        return planBuild(m, planOpts);
      } catch (err) {
        if (err instanceof PlanError) {
          checkPlanError(err, text);
          return undefined;
        }
        throw err;
      }
    });
    if (plan === undefined) return "rejected";
    const ops = stage("llb", () => llb(m, plan));
    checkLlb(ops);
    const config = stage("image", () =>
      imageConfig(m, plan, {
        labels: { "org.example.fuzz": "1" },
        base: { name: normalizeImageRef(m.build.image.value), digest: FAKE_BASE.digest },
      }),
    );
    checkConfig(config, t.name);
    // --call outline for this target (answerFor's own parse is left out: it is loadManifest).
    stage("outline", () => outlineAnswer(m, t, where));
  }
  stage("lint", () => {
    lintWarnings(m, { filename: FILENAME, data: new TextEncoder().encode(text) }, "sha256:0");
    const findings = lint(m, where);
    for (const f of findings) checkSpan(f.span, text, `lint ${f.rule.name}`);
    lintAnswer({ filename: FILENAME, text, findings });
    targetsAnswer(m, where);
  });
  return "built";
}

/** Runs a stage; anything it throws that is not already a finding is an internal error of that stage. */
function stage<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FuzzFinding) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    // The class: stage, error type and the message's first words (values stripped), so one
    // bug counts once however many inputs reach it.
    const words = e.message
      .split("\n")[0]
      ?.replace(/"[^"]*"|'[^']*'|\S*[/\\]\S*|\d+/g, "…")
      .split(/\s+/)
      .slice(0, 6)
      .join(" ");
    throw new FuzzFinding(`internal error in ${name}: ${e.name}: ${words}`, e.stack ?? e.message);
  }
}

function checkManifestError(err: ManifestError, text: string): void {
  if (err.diagnostics.length === 0) throw new FuzzFinding("ManifestError without diagnostics", err.message);
  for (const d of err.diagnostics) {
    checkSpan(d.span, text, `diagnostic "${d.message}"`);
    wellFormed(d.message, "ManifestError message");
  }
}

/** Messages travel as protobuf strings (gRPC status, source maps): they must have a UTF-8 form. */
function wellFormed(s: string, what: string): void {
  if (/\p{Cs}/u.test(s)) throw new FuzzFinding(`lone surrogate in a ${what}`, JSON.stringify(s));
}

function checkPlanError(err: PlanError, text: string): void {
  if (!err.span) throw new FuzzFinding("PlanError without a span", err.message);
  wellFormed(err.message, "PlanError message");
  checkSpan(err.span, text, `PlanError "${err.message}"`);
}

/** 1-based line and column inside the text (a column may point just past a line's end). */
export function checkSpan(span: Span, text: string, what: string): void {
  const lines = text.split("\n");
  const ok = (line: number, col: number) =>
    Number.isInteger(line) &&
    Number.isInteger(col) &&
    line >= 1 &&
    line <= lines.length &&
    col >= 1 &&
    col <= (lines[line - 1]?.length ?? 0) + 1;
  const ordered = span.endLine > span.line || (span.endLine === span.line && span.endCol >= span.col);
  if (!ok(span.line, span.col) || !ok(span.endLine, span.endCol) || !ordered) {
    throw new FuzzFinding("span outside the document", `${what}: ${JSON.stringify(span)}`);
  }
}

// ---- paths and names

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a path is unsafe to hand to BuildKit, or undefined when it is fine. */
export function pathProblem(p: string, kind: "absolute" | "relative" | "any"): string | undefined {
  if (CONTROL.test(p)) return "a control character";
  if (p.split("/").includes("..")) return 'a ".." segment';
  if (kind === "absolute" && !p.startsWith("/")) return "not absolute";
  if (kind === "relative" && p.startsWith("/")) return "not relative";
  return undefined;
}

function path(p: string, kind: "absolute" | "relative" | "any", where: string, clean = true): void {
  const why = pathProblem(p, kind) ?? (clean && cleanPath(p) !== p ? "not clean" : undefined);
  if (why) throw new FuzzFinding(`bad path in ${where} (${why})`, JSON.stringify(p));
}

function name(value: string, rule: RegExp, where: string): void {
  if (!rule.test(value))
    throw new FuzzFinding(`derived name breaks its rule: ${where}`, JSON.stringify(value));
}

/** What the parser hands on: every path clean and inside its root, every name valid. */
function checkManifest(m: Manifest): void {
  name(m.name, APP_NAME, "manifest name");
  const b = m.build;
  path(b.workdir, "absolute", "build.workdir");
  for (const [k] of b.env) name(k, ENV_NAME, "build.env key");
  for (const a of m.args) name(a.name, ENV_NAME, "args key");
  for (const p of [...b.contextInclude, ...b.contextExclude]) path(p, "relative", "build.context", false);
  for (const r of b.run) {
    for (const c of r.cache) {
      path(c.path, "absolute", "cache path");
      if (c.id !== undefined) name(c.id, SECRET_ID, "cache id");
    }
    for (const s of r.secrets) {
      name(s.id, SECRET_ID, "secret id");
      path(s.target, "absolute", "secret target");
    }
  }
  const seen = new Set<string>();
  for (const t of m.targets) {
    name(t.name, APP_NAME, "target name");
    if (seen.has(t.name)) throw new FuzzFinding("two targets with one name", t.name);
    seen.add(t.name);
    for (const a of t.artifacts) {
      path(a.path, "relative", "artifact path");
      path(a.dest, "absolute", "artifact dest");
    }
    for (const d of t.data) {
      path(d.src, d.from === "context" ? "relative" : "absolute", "data src");
      path(d.dest, "absolute", "data dest");
    }
    for (const z of t.essentials.tzdata) name(z, ZONE, "tzdata zone");
    for (const [k] of t.image.env) name(k, ENV_NAME, "image.env key");
    if (t.image.workdir !== undefined) path(t.image.workdir, "absolute", "image.workdir");
  }
}

// ---- LLB

interface Decoded {
  ops: pb.Op[];
  bytes: Uint8Array;
}

/** Both definitions the frontend solves (the build's /out and the image), decoded op by op. */
function llb(m: Manifest, plan: BuildPlan): Decoded[] {
  // The frontend's own assembly (context filters, manifest exclusion, source map).
  const make = () => assembleBuild(m, plan, { dockerignore: "" });
  const graph = make();
  const again = make();
  const out: Decoded[] = [];
  for (const [a, b] of [
    [graph.output, again.output],
    [graph.image, again.image],
  ] as const) {
    const first = marshal(a, { platform: plan.platform });
    const second = marshal(b, { platform: plan.platform });
    if (Buffer.compare(first.bytes, second.bytes) !== 0)
      throw new FuzzFinding("LLB not deterministic", m.source.slice(0, 200));
    const def = pb.Definition.decode(first.bytes);
    out.push({ ops: def.def.map((d) => pb.Op.decode(d)), bytes: first.bytes });
  }
  return out;
}

function checkLlb(defs: Decoded[]): void {
  for (const { ops } of defs) {
    for (const op of ops) {
      if (op.exec) checkExec(op.exec);
      if (op.file) for (const a of op.file.actions ?? []) checkFileAction(a);
      if (op.source) checkSource(op.source);
    }
  }
}

function checkExec(exec: pb.IExecOp): void {
  const meta = exec.meta;
  if (!meta) throw new FuzzFinding("exec op without meta", "");
  const args = meta.args ?? [];
  for (const a of args)
    if (a.includes("\0")) throw new FuzzFinding("NUL in an exec argument", JSON.stringify(a));
  // Path arguments the frontend writes (not the user's own `sh -c` script, which is theirs).
  const ours = args[0] === "/bin/sh" && args[1] === "-c" ? args.slice(3) : args;
  for (const a of ours) if (a.startsWith("/")) path(a, "absolute", "exec argument");
  path(meta.cwd ?? "", "absolute", "exec cwd");
  for (const kv of meta.env ?? []) {
    const i = kv.indexOf("=");
    name(i > 0 ? kv.slice(0, i) : kv, ENV_NAME, "exec env key");
    if (kv.includes("\0")) throw new FuzzFinding("NUL in an exec env value", JSON.stringify(kv));
  }
  const dests = new Set<string>();
  for (const mount of exec.mounts ?? []) {
    const dest = mount.dest ?? "";
    path(dest, "absolute", "mount dest");
    if (dests.has(dest)) throw new FuzzFinding("two mounts at one dest", dest);
    dests.add(dest);
    if (mount.selector) path(mount.selector, "any", "mount selector", false);
    const cacheId = mount.cacheOpt?.ID;
    // A cache id is the user's id, or the mount's path (BuildKit's own default).
    if (cacheId !== undefined && cacheId !== null && cacheId !== dest) name(cacheId, SECRET_ID, "cache id");
    const secretId = mount.secretOpt?.ID;
    if (secretId !== undefined && secretId !== null) name(secretId, SECRET_ID, "secret id");
  }
}

function checkFileAction(a: pb.IFileAction): void {
  if (a.copy) {
    path(a.copy.src ?? "", "absolute", "copy src");
    // "/." and "/" endings mean "into the directory" and stay.
    path(a.copy.dest ?? "", "absolute", "copy dest", false);
    for (const p of [...(a.copy.includePatterns ?? []), ...(a.copy.excludePatterns ?? [])])
      path(p, "any", "copy pattern", false);
  }
  if (a.mkdir) path(a.mkdir.path ?? "", "absolute", "mkdir path");
  if (a.mkfile) path(a.mkfile.path ?? "", "absolute", "mkfile path");
  if (a.rm) path(a.rm.path ?? "", "absolute", "rm path");
}

function checkSource(s: pb.ISourceOp): void {
  const id = s.identifier ?? "";
  if (CONTROL.test(id)) throw new FuzzFinding("control character in a source identifier", id);
  for (const [k, v] of Object.entries(s.attrs ?? {})) {
    if (k === "local.includepattern" || k === "local.excludepatterns" || k === "local.followpaths") {
      for (const p of JSON.parse(v) as string[]) path(p, "relative", `source ${k}`, false);
    }
  }
}

// ---- image config

function checkConfig(config: ReturnType<typeof imageConfig>, target: string): void {
  JSON.stringify(config);
  for (const kv of config.config.Env) {
    const i = kv.indexOf("=");
    name(kv.slice(0, i), ENV_NAME, "image config Env key");
  }
  if (config.config.Labels?.["org.opencontainers.image.title"] !== target)
    throw new FuzzFinding("image title is not the target", target);
  path(config.config.WorkingDir ?? "/", "absolute", "image WorkingDir");
}
