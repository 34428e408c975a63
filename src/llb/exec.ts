import { pb } from "../gen/proto.js";
import { Caps } from "./caps.js";
import { platformToPb } from "./platform.js";
import { compareStrings } from "./sorted.js";
import type { NetworkMode, OpOptions, Platform } from "./types.js";
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

export interface RunOptions extends OpOptions {
  args: string[];
  /** "K=V", kept in the given order. */
  env?: string[];
  /** Default "/". */
  cwd?: string;
  user?: string;
  network?: NetworkMode;
  mounts?: MountSpec[];
}

export interface MountSpec {
  /** Absolute path inside the container. */
  dest: string;
  /** Omitted or scratch() = empty (input -1). */
  source?: HasOutput;
  /** Subpath of the source to mount. */
  selector?: string;
  readonly?: boolean;
  type?: "bind" | "cache" | "secret";
  /** Cache mounts: cache ID, default dest (as Dockerfile's RUN --mount=type=cache does). */
  cacheId?: string;
  sharing?: "shared" | "private" | "locked";
  /** Secret mounts: secret ID, default dest (as Go's llb.AddSecret does). */
  secretId?: string;
  /** Secret file mode, default 0o400. */
  secretMode?: number;
  uid?: number;
  gid?: number;
  optional?: boolean;
}

type MountKind = "bind" | "cache" | "secret";

interface ExecMount {
  dest: string;
  kind: MountKind;
  source: Output | undefined;
  selector: string;
  readonly: boolean;
  /** Output index; -1 = none. Secrets keep Go's unset 0, which the daemon ignores. */
  output: number;
  spec: MountSpec;
}

const SHARING: Record<string, pb.CacheSharingOpt> = {
  shared: pb.CacheSharingOpt.SHARED,
  private: pb.CacheSharingOpt.PRIVATE,
  locked: pb.CacheSharingOpt.LOCKED,
};

const NETWORK: Record<string, pb.NetMode> = {
  sandbox: pb.NetMode.UNSET,
  host: pb.NetMode.HOST,
  none: pb.NetMode.NONE,
};

function checkUint32(what: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    throw new Error(`llb: ${what} must be a uint32, got ${v}`);
  }
}

function toExecMount(spec: MountSpec): ExecMount {
  if (!spec.dest.startsWith("/")) throw new Error(`llb: mount destination must be absolute: ${spec.dest}`);
  const kind = spec.type ?? "bind";
  const source = spec.source?.output;
  if (!["bind", "cache", "secret"].includes(kind)) throw new Error(`llb: invalid mount type ${kind}`);
  if (kind === "secret" && (source || spec.selector)) {
    throw new Error(`llb: ${kind} mount at ${spec.dest} can't have a source or selector`);
  }
  if (spec.sharing !== undefined && !Object.hasOwn(SHARING, spec.sharing)) {
    throw new Error(`llb: invalid cache sharing ${spec.sharing}`);
  }
  checkUint32("secret uid", spec.uid);
  checkUint32("secret gid", spec.gid);
  checkUint32("secret mode", spec.secretMode);
  return {
    dest: spec.dest,
    kind,
    source,
    selector: spec.selector ?? "",
    readonly: spec.readonly === true,
    output: -1,
    spec: { ...spec },
  };
}

/** An ExecOp. Mount order and output indices are fixed at construction, as Go computes them. */
export class ExecVertex extends Vertex {
  /** Root and other non-secret mounts sorted by dest, then secrets in given order (Go's layout). */
  readonly mounts: readonly ExecMount[];
  private readonly run: RunOptions;

  constructor(
    base: Output | undefined,
    opts: RunOptions,
    private readonly platform: Platform | undefined,
  ) {
    super(opts);
    if (opts.args.length === 0) throw new Error("llb: run needs at least one argument");
    if (opts.network !== undefined && !Object.hasOwn(NETWORK, opts.network)) {
      throw new Error(`llb: invalid network mode ${opts.network}`);
    }
    this.run = { ...opts, args: [...opts.args], env: opts.env && [...opts.env] };
    const root: ExecMount = {
      dest: "/",
      kind: "bind",
      source: base,
      selector: "",
      readonly: false,
      output: -1,
      spec: { dest: "/" },
    };
    const all = [root, ...(opts.mounts ?? []).map(toExecMount)];
    const seen = new Set<string>();
    for (const m of all) {
      if (seen.has(m.dest)) throw new Error(`llb: duplicate mount destination ${m.dest}`);
      seen.add(m.dest);
    }
    // Go sorts every mount but secrets by dest (root "/" always first), then
    // appends secret mounts; writable binds get outputs in that order.
    const sorted = all.filter((m) => m.kind !== "secret").sort((a, b) => compareStrings(a.dest, b.dest));
    let next = 0;
    for (const m of sorted) {
      if (m.kind === "bind" && !m.readonly) m.output = next++;
    }
    const secrets = all.filter((m) => m.kind === "secret");
    for (const m of secrets) m.output = 0;
    this.mounts = [...sorted, ...secrets];
  }

  /** What getMount(dest) resolves to. */
  mountOutput(dest: string): { kind: "root" } | { kind: "mount"; output: Output | undefined } {
    const m = this.mounts.find((x) => x.dest === dest);
    if (!m) throw new Error(`llb: no mount at ${dest}`);
    if (m.dest === "/") return { kind: "root" };
    if (m.kind !== "bind") throw new Error(`llb: ${m.kind} mount at ${dest} has no output`);
    if (m.readonly) return { kind: "mount", output: m.source };
    return { kind: "mount", output: { vertex: this, index: m.output } };
  }

  inputs(): Output[] {
    // Sources of the sorted mounts, deduped: Go's traversal order for this op.
    return uniqueOutputs(this.mounts.map((m) => m.source));
  }

  marshalOp(ctx: MarshalContext): MarshalledOp {
    const r = this.run;
    const caps = new Set<string>([Caps.execMetaBase]);
    const inputs = new InputList(ctx);

    const mounts = this.mounts.map((m): pb.Mount.$Properties => {
      const pm: pb.Mount.$Properties = {};
      const input = m.kind === "secret" ? -1 : inputs.add(m.source);
      if (input !== 0) pm.input = input;
      if (m.selector) pm.selector = m.selector;
      pm.dest = m.dest;
      if (m.output !== 0) pm.output = m.output;
      if (m.readonly && m.kind !== "secret") pm.readonly = true;

      if (m.selector) caps.add(Caps.execMountSelector);
      switch (m.kind) {
        case "bind":
          if (m.source) caps.add(Caps.execMountBind);
          break;
        case "cache": {
          pm.mountType = pb.MountType.CACHE;
          const sharing = SHARING[m.spec.sharing ?? "shared"] ?? pb.CacheSharingOpt.SHARED;
          pm.cacheOpt = { ID: m.spec.cacheId ?? m.dest };
          if (sharing !== pb.CacheSharingOpt.SHARED) pm.cacheOpt.sharing = sharing;
          caps.add(Caps.execMountCache);
          caps.add(Caps.execMountCacheSharing);
          break;
        }
        case "secret": {
          pm.mountType = pb.MountType.SECRET;
          const so: pb.SecretOpt.$Properties = { ID: m.spec.secretId ?? m.dest };
          if (m.spec.uid) so.uid = m.spec.uid;
          if (m.spec.gid) so.gid = m.spec.gid;
          const mode = m.spec.secretMode ?? 0o400;
          if (mode) so.mode = mode;
          if (m.spec.optional) so.optional = true;
          pm.secretOpt = so;
          caps.add(Caps.execMountSecret);
          break;
        }
      }
      return pm;
    });

    const exec: pb.ExecOp.$Properties = { meta: this.meta() };
    if (mounts.length > 0) exec.mounts = mounts;
    const network = NETWORK[r.network ?? "sandbox"] ?? pb.NetMode.UNSET;
    if (network !== pb.NetMode.UNSET) {
      exec.network = network;
      caps.add(Caps.execMetaNetwork);
    }

    const op = baseOp(inputs.list, platformToPb(this.platform ?? ctx.platform));
    op.exec = exec;
    return { op, caps };
  }

  private meta(): pb.Meta.$Properties {
    const r = this.run;
    const meta: pb.Meta.$Properties = { args: [...r.args] };
    if (r.env?.length) meta.env = [...r.env];
    meta.cwd = r.cwd || "/";
    if (r.user) meta.user = r.user;
    // Go always sets it, so mount-point stubs (e.g. an empty /out) are cleaned from outputs.
    meta.removeMountStubsRecursive = true;
    return meta;
  }
}
