// A State from a marshalled Definition (Go's llb.NewDefinitionOp): what a frontend gets as a
// frontend input, so the build can use it like any state of its own.
import { pb } from "../gen/proto.js";
import { opDigest } from "./digest.js";
import { State } from "./state.js";
import type { OpOptions } from "./types.js";
import { type MarshalContext, type MarshalledOp, type Output, Vertex } from "./vertex.js";

/** One op of a received definition; its inputs are the other ops' vertices. */
class DefinitionVertex extends Vertex {
  constructor(
    private readonly op: pb.Op,
    private readonly from: Output[],
    private readonly caps: string[],
    options: OpOptions,
  ) {
    super(options);
  }

  inputs(): Output[] {
    return this.from;
  }

  marshalOp(ctx: MarshalContext): MarshalledOp {
    // The op as received (own fields only), its inputs re-pointed at the re-marshalled ops.
    const op: pb.Op.$Properties = { ...this.op };
    if (this.from.length > 0) op.inputs = this.from.map((o) => ctx.input(o));
    return { op, caps: this.caps };
  }
}

/** The definition's result as a State; throws when it has no terminal op or names a missing op. */
export function definitionState(def: pb.Definition.$Properties): State {
  const bytes = def.def ?? [];
  if (bytes.length === 0) return new State();
  const ops = new Map<string, { op: pb.Op; digest: string }>();
  const byDigest = new Map<string, Vertex>();
  for (const b of bytes) ops.set(opDigest(b), { op: pb.Op.decode(b), digest: opDigest(b) });
  const terminal = pb.Op.decode(bytes[bytes.length - 1] as Uint8Array);
  const vertexFor = (digest: string): Vertex => {
    const known = byDigest.get(digest);
    if (known) return known;
    const entry = ops.get(digest);
    if (!entry) throw new Error(`llb: definition input ${digest} is not in the definition`);
    const from = (entry.op.inputs ?? []).map((i) => ({
      vertex: vertexFor(i.digest ?? ""),
      index: Number(i.index ?? 0),
    }));
    const meta = def.metadata?.[digest];
    const name = meta?.description?.["llb.customname"];
    const v = new DefinitionVertex(entry.op, from, Object.keys(meta?.caps ?? {}), name ? { name } : {});
    byDigest.set(digest, v);
    return v;
  };
  const root = terminal.inputs?.[0];
  if (!root?.digest) throw new Error("llb: definition has no terminal op");
  return new State({ vertex: vertexFor(root.digest), index: Number(root.index ?? 0) });
}
