import { describe, expect, it } from "vitest";
import type { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, sampleGraph } from "./wire.js";

describe("source maps", () => {
  it("collects source infos and locations", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const { def } = decode(m);
    const source = def.Source as pb.Source;
    // Two equal SourceMap objects collapse into one info.
    expect(source.infos).toHaveLength(1);
    expect(source.infos[0]?.filename).toBe("scratchkit.yaml");
    expect(Buffer.from(source.infos[0]?.data ?? []).toString()).toBe("a\nb\n");
    expect(Object.keys(source.locations)).toEqual([m.digests[0], m.digests[2]].sort());
    expect(source.locations[m.digests[0] as string]?.locations).toMatchObject([
      { sourceIndex: 0, ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
    ]);
    expect(source.locations[m.digests[2] as string]?.locations).toMatchObject([
      { sourceIndex: 0, ranges: [{ start: { line: 2, character: 1 }, end: { line: 2, character: 4 } }] },
    ]);
  });

  it("indexes distinct source files in first-use order", () => {
    const f1: llb.SourceMap = { filename: "one", data: new Uint8Array([1]) };
    const f2: llb.SourceMap = { filename: "two", data: new Uint8Array([2]), language: "yaml" };
    const range = [{ start: { line: 1 }, end: { line: 1 } }];
    const st = llb
      .image("busybox", { location: { source: f2, ranges: range } })
      .file(llb.mkdir("/a", 0o755), { location: { source: f1, ranges: range } });
    const m = llb.marshal(st, { platform: AMD64 });
    const source = decode(m).def.Source as pb.Source;
    expect(source.infos.map((i) => [i.filename, i.language])).toEqual([
      ["two", "yaml"],
      ["one", ""],
    ]);
    expect(source.locations?.[m.digests[1] as string]?.locations?.[0]?.sourceIndex).toBe(1);
  });
});
