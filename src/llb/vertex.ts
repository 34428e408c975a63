import type { pb } from "../gen/proto.js";
import type { OpOptions, Platform } from "./types.js";

/** One output of a vertex; a State with no Output is scratch. */
export interface Output {
  readonly vertex: Vertex;
  readonly index: number;
}

/**
 * Anything with an output to read from: a State, as exec mounts and file copies see it
 * (structural, so those ops need not import the State that builds them).
 */
export interface HasOutput {
  /** undefined: scratch. */
  readonly output: Output | undefined;
}

export interface MarshalContext {
  /** Platform for ops that need one and were given none. */
  readonly platform: Platform;
  /** The pb.Input for an output whose vertex has already been marshalled. */
  input(out: Output): pb.Input.$Properties;
}

export interface MarshalledOp {
  op: pb.Op.$Properties;
  caps: Iterable<string>;
}

/**
 * A node of the LLB graph. Vertices are immutable once built; marshal() visits
 * inputs() (in the order Go's client does) before marshalOp().
 */
export abstract class Vertex {
  readonly options: OpOptions;

  constructor(options: OpOptions) {
    // Keep only the op-level fields, copied: later edits to the caller's object can't change the graph.
    const { name, location, ignoreCache, progressGroup } = options;
    this.options = { name, location, ignoreCache, progressGroup };
  }

  abstract inputs(): Output[];
  abstract marshalOp(ctx: MarshalContext): MarshalledOp;
}

/** Builds Op.inputs, reusing the index of an equal input (same digest and output) like Go. */
export class InputList {
  readonly list: pb.Input.$Properties[] = [];
  private readonly seen = new Map<string, number>();

  constructor(private readonly ctx: MarshalContext) {}

  /** Index of out in the op's inputs, or -1 for scratch. */
  add(out: Output | undefined, dedup = true): number {
    if (!out) return -1;
    const inp = this.ctx.input(out);
    const key = `${inp.digest}#${inp.index ?? 0}`;
    const found = dedup ? this.seen.get(key) : undefined;
    if (found !== undefined) return found;
    const i = this.list.length;
    this.list.push(inp);
    if (!this.seen.has(key)) this.seen.set(key, i);
    return i;
  }
}

/** Fields every op gets from Go's MarshalConstraints: an (empty) constraints message, optional platform. */
export function baseOp(
  inputs: pb.Input.$Properties[],
  platform?: pb.Platform.$Properties,
): pb.Op.$Properties {
  const op: pb.Op.$Properties = {};
  if (inputs.length > 0) op.inputs = inputs;
  if (platform) op.platform = platform;
  op.constraints = {};
  return op;
}

/** Drops scratch and repeated outputs (same vertex object and index), keeping first-seen order. */
export function uniqueOutputs(outs: Array<Output | undefined>): Output[] {
  const seen = new Map<Vertex, Set<number>>();
  const result: Output[] = [];
  for (const o of outs) {
    if (!o) continue;
    let s = seen.get(o.vertex);
    if (!s) {
      s = new Set();
      seen.set(o.vertex, s);
    }
    if (s.has(o.index)) continue;
    s.add(o.index);
    result.push(o);
  }
  return result;
}
