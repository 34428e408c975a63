// A readable view of a marshalled Definition, like `buildctl debug dump-llb`: one record per
// op in definition order, with its digest, its inputs and the op's fields decoded (enums by
// name, bytes as text, file modes in octal), plus its metadata and manifest lines.
import { pb } from "../gen/proto.js";
import { opDigest } from "./digest.js";

export interface DumpedInput {
  digest: string;
  index: number;
}

export interface DumpedOp {
  digest: string;
  inputs: DumpedInput[];
  /** The op's kind ("exec", "source", "file", "merge"); "" for the terminal op. */
  kind: string;
  /** The fields of that kind, readable; {} for the terminal op. */
  op: Record<string, unknown>;
  platform?: string;
  metadata?: Record<string, unknown>;
  /** `file:line` or `file:line-line` for each source range pointing at this op. */
  locations?: string[];
}

// Enum-typed fields of ops.proto, by field name (each name is used by one enum only).
const ENUMS: Record<string, Record<number, string>> = {
  network: pb.NetMode as unknown as Record<number, string>,
  security: pb.SecurityMode as unknown as Record<number, string>,
  mountType: pb.MountType as unknown as Record<number, string>,
  sharing: pb.CacheSharingOpt as unknown as Record<number, string>,
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

function readableBytes(b: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(b);
  } catch {
    return { base64: Buffer.from(b).toString("base64") };
  }
}

/**
 * A decoded protobufjs message as plain JSON: the fields present on the wire (as Go's
 * omitempty JSON would show them), empty lists and maps left out.
 */
export function readable(value: unknown, field = ""): unknown {
  if (value instanceof Uint8Array) return readableBytes(value);
  if (Array.isArray(value)) return value.map((v) => readable(v, field));
  if (typeof value === "number") {
    const names = ENUMS[field];
    if (names) return names[value] ?? value;
    // A negative mode (-1: keep the source's) is not a permission set.
    if (field === "mode" && value >= 0) return `0${value.toString(8)}`;
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    // Empty maps are left out; an empty message (e.g. Op.constraints) is kept: it is in the bytes.
    if (isPlainObject(v) && Object.keys(v).length === 0) continue;
    out[k] = readable(v, k);
  }
  return out;
}

/** protobufjs maps are plain objects; messages are instances of their generated class. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

function platformString(p: pb.Platform.$Properties | null | undefined): string | undefined {
  if (!p?.OS && !p?.Architecture) return undefined;
  return [p.OS ?? "", p.Architecture ?? "", p.Variant].filter((x) => x !== undefined && x !== "").join("/");
}

const OP_KINDS = ["exec", "source", "file", "merge"] as const;

/** Every op of a Definition (its encoded bytes), decoded, in definition order. */
export function dumpDefinition(bytes: Uint8Array): DumpedOp[] {
  const def = pb.Definition.decode(bytes);
  const infos = def.Source?.infos ?? [];
  return def.def.map((opBytes) => {
    const digest = opDigest(opBytes);
    const op = pb.Op.decode(opBytes);
    const kind = OP_KINDS.find((k) => op[k]) ?? "";
    const dumped: DumpedOp = {
      digest,
      inputs: op.inputs.map((i) => ({ digest: i.digest ?? "", index: Number(i.index ?? 0) })),
      kind,
      op: kind ? (readable(op[kind]) as Record<string, unknown>) : {},
    };
    const platform = platformString(op.platform);
    if (platform) dumped.platform = platform;
    const meta = def.metadata[digest];
    if (meta) dumped.metadata = readableMetadata(meta);
    const locations = def.Source?.locations?.[digest]?.locations ?? [];
    const where = locations.flatMap((l) => {
      const file = infos[l.sourceIndex ?? 0]?.filename ?? "?";
      return (l.ranges ?? []).map((r) => lineRange(file, r));
    });
    if (where.length > 0) dumped.locations = where;
    return dumped;
  });
}

function readableMetadata(m: pb.OpMetadata.$Properties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.ignoreCache) out.ignoreCache = true;
  if (m.description && Object.keys(m.description).length > 0) out.description = { ...m.description };
  if (m.caps && Object.keys(m.caps).length > 0) out.caps = Object.keys(m.caps);
  if (m.progressGroup) out.progressGroup = readable(m.progressGroup);
  return out;
}

function lineRange(file: string, r: pb.Range.$Properties): string {
  const start = r.start?.line ?? 0;
  const end = r.end?.line ?? start;
  return end > start ? `${file}:${start}-${end}` : `${file}:${start}`;
}
