import type { pb } from "../gen/proto.js";
import { sortedRecord } from "./sorted.js";
import type { OpOptions } from "./types.js";

/** Per-op metadata before encoding; merged when two vertices marshal to one digest (as Go does). */
export interface OpMeta {
  ignoreCache: boolean;
  description: Map<string, string>;
  caps: Set<string>;
  progressGroup?: { id: string; name: string };
}

export function opMetaFrom(opts: OpOptions, caps: Iterable<string>): OpMeta {
  const m: OpMeta = { ignoreCache: opts.ignoreCache === true, description: new Map(), caps: new Set(caps) };
  if (opts.name !== undefined) m.description.set("llb.customname", opts.name);
  if (opts.progressGroup) m.progressGroup = { id: opts.progressGroup.id, name: opts.progressGroup.name };
  return m;
}

export function mergeOpMeta(into: OpMeta, m: OpMeta): void {
  if (m.ignoreCache) into.ignoreCache = true;
  for (const [k, v] of m.description) into.description.set(k, v);
  for (const c of m.caps) into.caps.add(c);
  if (m.progressGroup) into.progressGroup = m.progressGroup;
}

export function opMetaToPb(m: OpMeta): pb.OpMetadata.$Properties {
  const out: pb.OpMetadata.$Properties = {};
  if (m.ignoreCache) out.ignoreCache = true;
  if (m.description.size > 0) out.description = sortedRecord(m.description);
  if (m.caps.size > 0) out.caps = sortedRecord([...m.caps].map((c) => [c, true] as const));
  if (m.progressGroup) {
    const pg: pb.ProgressGroup.$Properties = {};
    if (m.progressGroup.id) pg.id = m.progressGroup.id;
    if (m.progressGroup.name) pg.name = m.progressGroup.name;
    out.progressGroup = pg;
  }
  return out;
}
