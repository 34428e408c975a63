import type { pb } from "../gen/proto.js";
import { Caps } from "./caps.js";
import { joinPath, normalizePath } from "./path.js";
import type { OpOptions } from "./types.js";
import {
  baseOp,
  type HasOutput,
  InputList,
  type MarshalContext,
  type MarshalledOp,
  type Output,
  uniqueOutputs,
  Vertex,
} from "./vertex.js";

/** Owner of created files: numeric IDs, or names resolved in the target's /etc/passwd and /etc/group. */
export interface Chown {
  user?: { id: number } | { name: string };
  group?: { id: number } | { name: string };
}

/**
 * Timestamps are integer Unix **seconds** (e.g. SOURCE_DATE_EPOCH). The wire
 * field is Unix nanoseconds; seconds * 1e9 stays exact in a double up to 2116,
 * which milliseconds would not.
 */
export interface MkdirOptions {
  makeParents?: boolean;
  owner?: Chown;
  timestamp?: number;
}

export interface MkfileOptions {
  owner?: Chown;
  timestamp?: number;
}

export interface CopyOptions {
  /** Permission bits for the copied files; default: keep the source's. */
  mode?: number;
  owner?: Chown;
  followSymlinks?: boolean;
  copyDirContentsOnly?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  includePatterns?: string[];
  excludePatterns?: string[];
  timestamp?: number;
  /** Unpack a tar archive (plain, gzip, bzip2 or xz) as Docker's ADD does; other files are copied. */
  attemptUnpack?: boolean;
}

type FileStep =
  | { kind: "mkdir"; path: string; mode: number; opts: MkdirOptions }
  | { kind: "mkfile"; path: string; mode: number; data: Uint8Array; opts: MkfileOptions }
  | { kind: "copy"; src: HasOutput; srcPath: string; destPath: string; opts: CopyOptions };

// Largest |seconds| whose nanosecond value is still an exact double.
const MAX_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1953125);

function nanos(seconds: number | undefined): number {
  // -1 is Go's "no timestamp" (marshalTime(nil)).
  if (seconds === undefined) return -1;
  if (!Number.isInteger(seconds) || Math.abs(seconds) > MAX_SECONDS) {
    throw new Error(`llb: timestamp must be integer Unix seconds, got ${seconds}`);
  }
  return seconds * 1e9;
}

function checkMode(mode: number): void {
  if (!Number.isInteger(mode) || mode < -(2 ** 31) || mode >= 2 ** 31)
    throw new Error(`llb: invalid file mode ${mode}`);
}

function checkChown(c: Chown | undefined): void {
  for (const u of [c?.user, c?.group]) {
    if (u && "id" in u && !(Number.isInteger(u.id) && u.id >= 0 && u.id <= 0xffffffff)) {
      throw new Error(`llb: invalid owner id ${u.id}`);
    }
  }
}

function clone<T extends object>(o: T | undefined): T {
  return { ...(o ?? ({} as T)) };
}

/**
 * A chain of file actions applied in order by one FileOp, like Go's
 * llb.Mkdir(...).Mkfile(...). Immutable: each method returns a longer chain.
 */
export class FileAction {
  /** @internal */
  readonly prev: FileAction | undefined;
  /** @internal */
  readonly step: FileStep;

  /** @internal Use mkdir(), mkfile() or copy(). */
  constructor(prev: FileAction | undefined, step: FileStep) {
    this.prev = prev;
    this.step = step;
  }

  mkdir(path: string, mode: number, opts?: MkdirOptions): FileAction {
    return new FileAction(this, mkdirStep(path, mode, opts));
  }

  mkfile(path: string, mode: number, data: Uint8Array | string, opts?: MkfileOptions): FileAction {
    return new FileAction(this, mkfileStep(path, mode, data, opts));
  }

  copy(src: HasOutput, srcPath: string, destPath: string, opts?: CopyOptions): FileAction {
    return new FileAction(this, copyStep(src, srcPath, destPath, opts));
  }

  /** @internal Steps first to last. */
  steps(): FileStep[] {
    const out: FileStep[] = [];
    for (let a: FileAction | undefined = this; a; a = a.prev) out.push(a.step);
    return out.reverse();
  }
}

function mkdirStep(path: string, mode: number, opts?: MkdirOptions): FileStep {
  checkMode(mode);
  checkChown(opts?.owner);
  nanos(opts?.timestamp);
  return { kind: "mkdir", path, mode, opts: clone(opts) };
}

function mkfileStep(path: string, mode: number, data: Uint8Array | string, opts?: MkfileOptions): FileStep {
  checkMode(mode);
  checkChown(opts?.owner);
  nanos(opts?.timestamp);
  // Copy so later changes to the caller's buffer can't alter an immutable graph.
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
  return { kind: "mkfile", path, mode, data: bytes, opts: clone(opts) };
}

function copyStep(src: HasOutput, srcPath: string, destPath: string, opts?: CopyOptions): FileStep {
  if (opts?.mode !== undefined) checkMode(opts.mode);
  checkChown(opts?.owner);
  nanos(opts?.timestamp);
  const o = clone(opts);
  if (o.includePatterns) o.includePatterns = [...o.includePatterns];
  if (o.excludePatterns) o.excludePatterns = [...o.excludePatterns];
  return { kind: "copy", src, srcPath, destPath, opts: o };
}

export function mkdir(path: string, mode: number, opts?: MkdirOptions): FileAction {
  return new FileAction(undefined, mkdirStep(path, mode, opts));
}

export function mkfile(
  path: string,
  mode: number,
  data: Uint8Array | string,
  opts?: MkfileOptions,
): FileAction {
  return new FileAction(undefined, mkfileStep(path, mode, data, opts));
}

export function copy(src: HasOutput, srcPath: string, destPath: string, opts?: CopyOptions): FileAction {
  return new FileAction(undefined, copyStep(src, srcPath, destPath, opts));
}

// Names are resolved against the action's own input, hence the base index.
function userOpt(u: { id: number } | { name: string }, base: number): pb.UserOpt.$Properties {
  if ("name" in u && u.name !== "") {
    const named: pb.NamedUserOpt.$Properties = { name: u.name };
    if (base !== 0) named.input = base;
    return { byName: named };
  }
  // A oneof member is written even when 0 (root), as in Go.
  return { byID: "id" in u ? u.id : 0 };
}

function chownOpt(c: Chown | undefined, base: number): pb.ChownOpt.$Properties | undefined {
  if (!c) return undefined;
  const out: pb.ChownOpt.$Properties = {};
  if (c.user) out.user = userOpt(c.user, base);
  if (c.group) out.group = userOpt(c.group, base);
  return out;
}

// Our states carry no working directory, so relative paths resolve against "/".
const PARENT = "/";

function actionBody(step: FileStep, base: number): pb.FileAction.$Properties {
  switch (step.kind) {
    case "mkdir": {
      const a: pb.FileActionMkDir.$Properties = { path: normalizePath(PARENT, step.path, false) };
      if (step.mode & 0o777) a.mode = step.mode & 0o777;
      if (step.opts.makeParents) a.makeParents = true;
      const owner = chownOpt(step.opts.owner, base);
      if (owner) a.owner = owner;
      a.timestamp = nanos(step.opts.timestamp);
      return { mkdir: a };
    }
    case "mkfile": {
      const a: pb.FileActionMkFile.$Properties = { path: normalizePath(PARENT, step.path, false) };
      if (step.mode & 0o777) a.mode = step.mode & 0o777;
      if (step.data.length > 0) a.data = step.data;
      const owner = chownOpt(step.opts.owner, base);
      if (owner) a.owner = owner;
      a.timestamp = nanos(step.opts.timestamp);
      return { mkfile: a };
    }
    case "copy": {
      const o = step.opts;
      const a: pb.FileActionCopy.$Properties = {
        src: joinPath(PARENT, step.srcPath === "" ? "." : step.srcPath),
        dest: normalizePath(PARENT, step.destPath, true),
      };
      const owner = chownOpt(o.owner, base);
      if (owner) a.owner = owner;
      // -1 = keep source permissions (Go's default when no mode is given).
      const mode = o.mode ?? -1;
      if (mode !== 0) a.mode = mode;
      if (o.followSymlinks) a.followSymlink = true;
      if (o.copyDirContentsOnly) a.dirCopyContents = true;
      if (o.attemptUnpack) a.attemptUnpackDockerCompatibility = true;
      if (o.createDestPath) a.createDestPath = true;
      if (o.allowWildcard) a.allowWildcard = true;
      if (o.allowEmptyWildcard) a.allowEmptyWildcard = true;
      a.timestamp = nanos(o.timestamp);
      if (o.includePatterns?.length) a.includePatterns = o.includePatterns;
      if (o.excludePatterns?.length) a.excludePatterns = o.excludePatterns;
      return { copy: a };
    }
  }
}

/** A FileOp applying a FileAction chain to a base state (output 0 = result of the last action). */
export class FileOpVertex extends Vertex {
  private readonly steps: readonly FileStep[];

  constructor(
    private readonly base: Output | undefined,
    action: FileAction,
    options: OpOptions,
  ) {
    super(options);
    this.steps = action.steps();
  }

  inputs(): Output[] {
    // Go walks the chain from the last action back: base first, then copy sources last-to-first.
    const outs: Array<Output | undefined> = [];
    for (const step of [...this.steps].reverse()) {
      outs.push(this.base);
      if (step.kind === "copy") outs.push(step.src.output);
    }
    return uniqueOutputs(outs);
  }

  marshalOp(ctx: MarshalContext): MarshalledOp {
    const caps = new Set<string>([Caps.fileBase]);
    const inputs = new InputList(ctx);
    // Inputs are collected first to last: the base, then each copy's source.
    const indexed = this.steps.map((step) => {
      const base = inputs.add(this.base);
      const secondary = step.kind === "copy" ? inputs.add(step.src.output) : -1;
      return { step, base, secondary };
    });
    const n = inputs.list.length;
    const last = indexed.length - 1;
    const actions = indexed.map(({ step, base, secondary }, k): pb.FileAction.$Properties => {
      // Action k>0 works on the result of action k-1, addressed as n + (k-1).
      const input = k === 0 ? base : n + k - 1;
      const a: pb.FileAction.$Properties = {};
      if (input !== 0) a.input = input;
      if (secondary !== 0) a.secondaryInput = secondary;
      // Only the last action's result is the op's output 0.
      if (k !== last) a.output = -1;
      if (step.kind === "copy" && (step.opts.includePatterns?.length || step.opts.excludePatterns?.length)) {
        // Go intends this cap (its loop runs too early to add it); listing it makes a daemon
        // without pattern support refuse the op instead of silently copying everything.
        caps.add(Caps.fileCopyIncludeExcludePatterns);
      }
      return Object.assign(a, actionBody(step, base));
    });
    // A FileOp isn't platform specific: no platform, as in Go.
    const op = baseOp(inputs.list);
    op.file = { actions };
    return { op, caps };
  }
}
