// Shared helpers of `npm run bench`: the docker CLI, timed builds with their rawjson vertex
// stream, the frontend's own "frontend done" line from the daemon log, statistics.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerCli } from "../src/engine/cli.js";

export const DOCKER = dockerCli();
export const FRONTEND = process.env.SCRATCHKIT_FRONTEND_IMAGE ?? "scratchkit/frontend:dev";
export const TOOLCHAIN = process.env.SCRATCHKIT_TOOLCHAIN_IMAGE ?? "scratchkit/toolchain:bookworm";
export const NODE_RUNTIME = process.env.SCRATCHKIT_NODE_RUNTIME_IMAGE ?? "scratchkit/node-runtime:20";
/**
 * Images the bench makes are tagged after FRONTEND's tag (scratchkit-bench/<name>:<tag>), so
 * benches of several branches on one engine never build over each other's images.
 */
const SUFFIX = (FRONTEND.split("/").pop()?.split(":")[1] ?? "latest").replace(/[^A-Za-z0-9_.-]/g, "-");
export function benchImage(name: string): string {
  return `scratchkit-bench/${name}:${SUFFIX}`;
}
/** The bench's own frontend image: FRONTEND with debug logging, so it reports its cost. */
export const BENCH_FRONTEND = benchImage("frontend-debug");
export const DOCKERD_LOG = process.env.SCRATCHKIT_DOCKERD_LOG ?? "/var/log/scratchkit-dockerd.log";
export const RUNS = Math.max(1, Number.parseInt(process.env.SCRATCHKIT_BENCH_RUNS ?? "7", 10) || 7);

/** Image ids and tags the bench made; removed at the end. */
export const madeImages = new Set<string>();

export function docker(args: string[], input?: string): string {
  const r = spawnSync(DOCKER, args, { encoding: "utf8", maxBuffer: 256 << 20, input });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `scratchkit-bench-${tag}-`));
}

export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** One vertex of the build, merged over its rawjson updates. */
export interface Vertex {
  digest: string;
  name: string;
  started?: string;
  completed?: string;
  cached: boolean;
  error?: string;
}

export interface Build {
  ok: boolean;
  ms: number;
  vertexes: Vertex[];
  /** Epoch ms when the CLI was started and when it returned. */
  t0: number;
  t1: number;
  output: string;
  imageId?: string;
  /** Daemon log lines (JSON) written by the frontend during this build. */
  frontendLines: Array<Record<string, unknown>>;
}

/** Vertex names BuildKit (not the build's own steps) shows. */
export function isInternal(name: string): boolean {
  return /^(\[internal\]|resolve image config|docker-image:\/\/|exporting|local:\/\/|naming to|writing image)/.test(
    name,
  );
}

/** Steps that ran (completed, never cached) split into the build's own and BuildKit's internal ones. */
export function ranSteps(b: Build): { own: string[]; internal: string[] } {
  const ran = b.vertexes.filter((v) => v.completed && !v.cached && !v.error);
  return {
    own: ran.filter((v) => !isInternal(v.name)).map((v) => v.name),
    internal: ran.filter((v) => isInternal(v.name)).map((v) => v.name),
  };
}

export function parseRawJson(text: string): Vertex[] {
  const byDigest = new Map<string, Vertex>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    let msg: { vertexes?: Array<Record<string, unknown>> };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    for (const v of msg.vertexes ?? []) {
      const digest = String(v.digest);
      const prev = byDigest.get(digest) ?? { digest, name: String(v.name ?? ""), cached: false };
      if (typeof v.started === "string" && !prev.started) prev.started = v.started;
      if (typeof v.completed === "string") prev.completed = v.completed;
      if (v.cached === true) prev.cached = true;
      if (typeof v.error === "string" && v.error) prev.error = v.error;
      byDigest.set(digest, prev);
    }
  }
  return [...byDigest.values()];
}

/** What the build's steps printed (rawjson `logs` entries, in order), as text. */
export function stepLogs(text: string): string {
  let out = "";
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const msg = JSON.parse(line) as { logs?: Array<{ data?: string }> };
      for (const l of msg.logs ?? []) out += Buffer.from(l.data ?? "", "base64").toString("utf8");
    } catch {
      // not a progress line
    }
  }
  return out;
}

let logOffset = 0;

/** Size of the daemon log now: builds read only what was written after it. */
function logMark(): number {
  try {
    return statSync(DOCKERD_LOG).size;
  } catch {
    return 0;
  }
}

function logSince(offset: number): Array<Record<string, unknown>> {
  const size = logMark();
  if (size <= offset) return [];
  const fd = openSync(DOCKERD_LOG, "r");
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    const out: Array<Record<string, unknown>> = [];
    for (const line of buf.toString("utf8").split("\n")) {
      if (!line.startsWith('{"level"')) continue;
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (j.name === "scratchkit") out.push(j);
      } catch {
        // a line cut by a concurrent writer
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface BuildOptions {
  file: string;
  tag?: string;
  noCache?: boolean;
  /** Wait for the frontend's "frontend done" line (scratchkit builds with BENCH_FRONTEND). */
  expectFrontendDone?: boolean;
  extra?: string[];
}

/** `docker buildx build --progress=rawjson`, timed from CLI start to exit. */
export function build(context: string, o: BuildOptions): Build {
  const iid = join(tempDir("iid"), "iid");
  // buildx refuses an image ID file with the local and tar exporters.
  const local = (o.extra ?? []).includes("--output");
  const args = [
    "buildx",
    "build",
    "--progress=rawjson",
    ...(local ? [] : ["--iidfile", iid]),
    "-f",
    join(context, o.file),
  ];
  if (o.noCache) args.push("--no-cache");
  if (o.tag) args.push("-t", o.tag);
  args.push(...(o.extra ?? []), context);
  logOffset = logMark();
  const t0 = Date.now();
  const start = performance.now();
  const r = spawnSync(DOCKER, args, { encoding: "utf8", maxBuffer: 256 << 20 });
  const ms = performance.now() - start;
  const t1 = Date.now();
  const output = `${r.stdout}${r.stderr}`;
  // Other builds on the engine log to the same daemon log: keep the lines of this build's frontend.
  const syntax = readFileSync(join(context, o.file), "utf8").match(/^# syntax=(\S+)/)?.[1];
  const ours = (lines: Array<Record<string, unknown>>) =>
    lines.filter((l) => !isDone(l) || l.source === undefined || l.source === syntax);
  let frontendLines = ours(logSince(logOffset));
  for (let i = 0; o.expectFrontendDone && i < 20 && !frontendLines.some(isDone); i++) {
    sleep(50);
    frontendLines = ours(logSince(logOffset));
  }
  const imageId = existsSync(iid) ? readFileSync(iid, "utf8").trim() : undefined;
  if (imageId) madeImages.add(imageId);
  if (o.tag) madeImages.add(o.tag);
  return { ok: r.status === 0, ms, vertexes: parseRawJson(r.stderr), t0, t1, output, imageId, frontendLines };
}

export function isDone(l: Record<string, unknown>): boolean {
  return l.msg === "frontend done";
}

/** Fails loudly with the build's output: a failed build is not a figure. */
export function mustBuild(context: string, o: BuildOptions): Build {
  const b = build(context, o);
  if (!b.ok) {
    const errs = b.vertexes.filter((v) => v.error).map((v) => `${v.name}: ${v.error}`);
    throw new Error(`build of ${o.file} in ${context} failed:\n${errs.join("\n") || b.output.slice(-4000)}`);
  }
  return b;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One line of the printed table and of the JSON. */
export interface Row {
  section: string;
  metric: string;
  value: number | string;
  unit?: string;
  target?: string;
  /** undefined: no target. */
  met?: boolean;
  note?: string;
}

/** What each measurement module returns. */
export interface Section {
  rows: Row[];
  details: Record<string, unknown>;
  /** Kept in memory for the profile; not written to the JSON. */
  builds?: Record<string, Build[]>;
}

/**
 * SCRATCHKIT_BENCH_COMPARE (comma list of frontend images, e.g. main's): the warm section times
 * each beside FRONTEND, interleaved in the same run, so two builds of the frontend compare by
 * ratio rather than across runs on a shared machine.
 */
export const COMPARE = (process.env.SCRATCHKIT_BENCH_COMPARE ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

/** The bench's frontend image: the frontend under test plus debug logging. */
export function ensureBenchFrontend(image = FRONTEND, tag = BENCH_FRONTEND): string {
  const dir = writeFiles(tempDir("frontend"), {
    Dockerfile: `FROM ${image}\nENV SCRATCHKIT_LOG_LEVEL=debug\n`,
  });
  docker(["buildx", "build", "-q", "-t", tag, dir]);
  madeImages.add(tag);
  return tag;
}

export function cleanup(): void {
  const all = [...madeImages];
  madeImages.clear();
  const tags = all.filter((x) => !x.startsWith("sha256:"));
  if (tags.length) spawnSync(DOCKER, ["image", "rm", ...tags], { encoding: "utf8" });
  // An id is removed only when nothing tags it any more (a build may equal someone's image).
  for (const id of all.filter((x) => x.startsWith("sha256:"))) {
    const r = spawnSync(DOCKER, ["image", "inspect", "-f", "{{len .RepoTags}}", id], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() === "0")
      spawnSync(DOCKER, ["image", "rm", id], { encoding: "utf8" });
  }
}
