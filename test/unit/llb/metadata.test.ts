import { describe, expect, it } from "vitest";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, sampleGraph } from "./wire.js";

describe("metadata", () => {
  it("names ops and records caps", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const { def } = decode(m);
    const md = (i: number) => def.metadata[m.digests[i] as string];
    expect(md(0)?.description).toEqual({ "llb.customname": "base" });
    expect(md(1)?.description).toEqual({});
    expect(md(2)?.description).toEqual({ "llb.customname": "build" });
    expect(md(3)?.description).toEqual({ "llb.customname": "assemble" });
    expect(md(4)?.caps).toEqual({ constraints: true, "meta.description": true, platform: true });
  });
});
