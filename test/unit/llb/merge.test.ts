import { describe, expect, it } from "vitest";
import type { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, num } from "./wire.js";

describe("merge", () => {
  it("merges states", () => {
    const a = llb.image("busybox");
    const b = llb.local("l");
    expect(llb.merge([llb.scratch()]).isScratch()).toBe(true);
    expect(llb.merge([a, llb.scratch()])).toBe(a);
    const m = llb.marshal(llb.merge([a, b, a], { name: "merge" }), { platform: AMD64 });
    const { ops, def } = decode(m);
    const merge = ops[2] as pb.Op;
    expect(merge.inputs.map((i) => i.digest)).toEqual([m.digests[0], m.digests[1], m.digests[0]]);
    expect(merge.merge?.inputs?.map((i) => num(i.input))).toEqual([0, 1, 2]);
    expect(merge.platform).toBeNull();
    expect(def.metadata[m.digests[2] as string]?.caps).toEqual({ mergeop: true });
  });
});
