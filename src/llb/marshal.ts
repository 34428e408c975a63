import { pb } from "../gen/proto.js";
import { Caps } from "./caps.js";
import { opDigest } from "./digest.js";
import { mergeOpMeta, type OpMeta, opMetaFrom, opMetaToPb } from "./metadata.js";
import { hostPlatform, normalizePlatform } from "./platform.js";
import { sortedRecord } from "./sorted.js";
import { SourceMapCollector } from "./sourcemap.js";
import type { State } from "./state.js";
import type { Platform } from "./types.js";
import type { MarshalContext, Output, Vertex } from "./vertex.js";

export interface Marshalled {
  /** Empty ({}) for a scratch state, as Go returns no ops for scratch. */
  definition: pb.Definition.$Properties;
  /** pb.Definition.encode(definition).finish(); empty for scratch. */
  bytes: Uint8Array;
  /** Op digests in def order; the last is the terminal op. Empty for scratch. */
  digests: string[];
  /** Digest of the op the terminal op points at; "" for scratch. */
  root: string;
}

export interface MarshalOptions {
  /**
   * Platform for exec and image ops that have none of their own. Defaults to
   * linux/<this machine's arch>, like Go's client; pass it for reproducible output.
   */
  platform?: Platform;
}

/**
 * Serializes the graph behind state into a Definition. Ops are emitted in
 * depth-first post-order over each vertex's inputs (Go's order), deduplicated by
 * digest, followed by the terminal op Op{inputs:[root output]}.
 */
export function marshal(state: State, opts: MarshalOptions = {}): Marshalled {
  const out = state.output;
  if (!out) return { definition: {}, bytes: new Uint8Array(0), digests: [], root: "" };

  const platform = normalizePlatform(opts.platform ?? hostPlatform());
  const digestOf = new Map<Vertex, string>();
  const ctx: MarshalContext = {
    platform,
    input(o: Output): pb.Input.$Properties {
      const digest = digestOf.get(o.vertex);
      if (digest === undefined) throw new Error("llb: input marshalled out of order");
      return o.index === 0 ? { digest } : { digest, index: o.index };
    },
  };

  const def: Uint8Array[] = [];
  const digests: string[] = [];
  const metas = new Map<string, OpMeta>();
  const sources = new SourceMapCollector();

  // Iterative post-order DFS: deep chains must not overflow the JS stack.
  const stack: Array<{ v: Vertex; inputs: Output[]; next: number }> = [];
  const push = (v: Vertex) => {
    if (!digestOf.has(v)) stack.push({ v, inputs: v.inputs(), next: 0 });
  };
  push(out.vertex);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (digestOf.has(top.v)) {
      stack.pop();
      continue;
    }
    const nextInput = top.inputs[top.next++];
    if (nextInput) {
      push(nextInput.vertex);
      continue;
    }
    stack.pop();
    const { op, caps } = top.v.marshalOp(ctx);
    const bytes = pb.Op.encode(op).finish();
    const digest = opDigest(bytes);
    digestOf.set(top.v, digest);
    const meta = opMetaFrom(top.v.options, caps);
    const prev = metas.get(digest);
    if (prev) mergeOpMeta(prev, meta);
    else metas.set(digest, meta);
    sources.add(digest, top.v.options.location);
    if (prev) continue;
    def.push(bytes);
    digests.push(digest);
  }

  const root = digestOf.get(out.vertex) as string;
  const terminal = pb.Op.encode({ inputs: [ctx.input(out)] }).finish();
  const terminalDigest = opDigest(terminal);
  // Go lists these on the terminal op on behalf of the whole definition.
  const terminalCaps: string[] = [Caps.constraints, Caps.platform];
  const all = [...metas.values()];
  if (all.some((m) => m.ignoreCache)) terminalCaps.push(Caps.metaIgnoreCache);
  if (all.some((m) => m.description.size > 0)) terminalCaps.push(Caps.metaDescription);
  metas.set(terminalDigest, opMetaFrom({}, terminalCaps));
  def.push(terminal);
  digests.push(terminalDigest);

  const definition: pb.Definition.$Properties = {
    def,
    metadata: sortedRecord([...metas].map(([d, m]) => [d, opMetaToPb(m)] as const)),
    Source: sources.toPb(),
  };
  return { definition, bytes: pb.Definition.encode(definition).finish(), digests, root };
}
