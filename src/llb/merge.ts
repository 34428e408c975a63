import { Caps } from "./caps.js";
import { State, scratch } from "./state.js";
import type { OpOptions } from "./types.js";
import { baseOp, InputList, type MarshalContext, type MarshalledOp, type Output, Vertex } from "./vertex.js";

/** A MergeOp: layers its inputs in order (later wins). */
export class MergeVertex extends Vertex {
  constructor(
    private readonly sources: readonly Output[],
    options: OpOptions,
  ) {
    super(options);
  }

  inputs(): Output[] {
    return [...this.sources];
  }

  marshalOp(ctx: MarshalContext): MarshalledOp {
    const inputs = new InputList(ctx);
    // One input per merged state, repeats included, as Go lays it out.
    const merge = this.sources.map((s) => {
      const i = inputs.add(s, false);
      return i === 0 ? {} : { input: i };
    });
    const op = baseOp(inputs.list);
    op.merge = { inputs: merge };
    return { op, caps: [Caps.mergeOp] };
  }
}

/**
 * Merges states like Go's llb.Merge: scratch inputs are dropped; none left is
 * scratch, one left is that state itself (no op).
 */
export function merge(states: State[], opts: OpOptions = {}): State {
  const kept = states.filter((s) => !s.isScratch());
  const [first] = kept;
  if (!first) return scratch();
  if (kept.length === 1) return first;
  const outputs = kept.map((s) => s.output).filter((o): o is Output => o !== undefined);
  return new State({ vertex: new MergeVertex(outputs, opts), index: 0 }, first.platform);
}
