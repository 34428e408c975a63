import type { pb } from "../gen/proto.js";
import { sortedRecord } from "./sorted.js";
import type { SourceLocation, SourceMap, SourcePosition } from "./types.js";

function sameSourceMap(a: SourceMap, b: SourceMap): boolean {
  if (a === b) return true;
  if (a.filename !== b.filename || (a.language ?? "") !== (b.language ?? "")) return false;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function position(p: SourcePosition): pb.Position.$Properties {
  const out: pb.Position.$Properties = {};
  if (p.line) out.line = p.line;
  if (p.character) out.character = p.character;
  return out;
}

/**
 * Collects op locations into Definition.Source: one SourceInfo per distinct
 * source file in first-use order, and per op digest the locations pointing into them.
 */
export class SourceMapCollector {
  private readonly maps: SourceMap[] = [];
  private readonly locations = new Map<string, pb.Location.$Properties[]>();

  add(digest: string, loc: SourceLocation | undefined): void {
    if (!loc) return;
    let index = this.maps.findIndex((m) => sameSourceMap(m, loc.source));
    if (index === -1) {
      index = this.maps.length;
      this.maps.push(loc.source);
    }
    const l: pb.Location.$Properties = {};
    if (index !== 0) l.sourceIndex = index;
    if (loc.ranges.length > 0) {
      l.ranges = loc.ranges.map((r) => ({ start: position(r.start), end: position(r.end) }));
    }
    const list = this.locations.get(digest) ?? [];
    list.push(l);
    this.locations.set(digest, list);
  }

  toPb(): pb.Source.$Properties {
    // Go always sets Definition.Source, even when empty.
    const out: pb.Source.$Properties = {};
    if (this.locations.size > 0) {
      out.locations = sortedRecord([...this.locations].map(([d, locations]) => [d, { locations }] as const));
    }
    if (this.maps.length > 0) {
      out.infos = this.maps.map((m) => {
        const info: pb.SourceInfo.$Properties = { filename: m.filename };
        if (m.data.length > 0) info.data = m.data;
        if (m.language) info.language = m.language;
        return info;
      });
    }
    return out;
  }
}
