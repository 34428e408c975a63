import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, fields, num, sampleGraph } from "./wire.js";

describe("marshal: determinism and layout", () => {
  it("marshals the same state twice to identical bytes", () => {
    const st = sampleGraph();
    const a = llb.marshal(st, { platform: AMD64 });
    const b = llb.marshal(st, { platform: AMD64 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.digests).toEqual(b.digests);
  });

  it("builds the same graph twice to identical bytes", () => {
    const a = llb.marshal(sampleGraph(), { platform: AMD64 });
    const b = llb.marshal(sampleGraph(), { platform: AMD64 });
    expect(Buffer.from(a.bytes).toString("hex")).toBe(Buffer.from(b.bytes).toString("hex"));
  });

  it("gives each def element the sha256 of its bytes as digest", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const { def } = decode(m);
    expect(def.def).toHaveLength(m.digests.length);
    def.def.forEach((bytes, i) => {
      expect(m.digests[i]).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
      expect(llb.opDigest(bytes)).toBe(m.digests[i]);
    });
    expect(Object.keys(def.metadata)).toEqual([...m.digests].sort());
  });

  it("orders inputs before users and ends with the terminal op", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const { ops } = decode(m);
    const seen = new Set<string>();
    ops.forEach((op, i) => {
      for (const inp of op.inputs) expect(seen.has(inp.digest ?? "")).toBe(true);
      seen.add(m.digests[i] as string);
    });
    expect(new Set(m.digests).size).toBe(m.digests.length);
    // image, local, exec, file, terminal
    expect(ops.map((o) => o.op ?? "terminal")).toEqual(["source", "source", "exec", "file", "terminal"]);
    const terminal = ops[ops.length - 1] as pb.Op;
    expect(terminal.inputs).toHaveLength(1);
    expect(terminal.inputs[0]?.digest).toBe(m.root);
    expect(num(terminal.inputs[0]?.index)).toBe(0);
    expect(m.root).toBe(m.digests[m.digests.length - 2]);
    // Nothing but inputs on the terminal op.
    expect(fields(m.definition.def?.[ops.length - 1] as Uint8Array).map((f) => f.no)).toEqual([1]);
  });

  it("writes map entries in sorted key order", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const { def, ops } = decode(m);
    const keys = Object.keys(def.metadata);
    expect(keys).toEqual([...keys].sort());
    for (const md of Object.values(def.metadata)) {
      const caps = Object.keys(md.caps ?? {});
      expect(caps).toEqual([...caps].sort());
    }
    const attrs = Object.keys(ops[1]?.source?.attrs ?? {});
    expect(attrs).toEqual(["local.excludepatterns", "local.session", "local.sharedkeyhint"]);
  });

  it("keeps a deep chain off the JS stack", () => {
    let st = llb.image("busybox");
    for (let i = 0; i < 5000; i++) st = st.file(llb.mkdir(`/d${i}`, 0o755));
    expect(llb.marshal(st, { platform: AMD64 }).digests).toHaveLength(5002);
  });

  it("marshals scratch to an empty definition", () => {
    const m = llb.marshal(llb.scratch());
    expect(m.digests).toEqual([]);
    expect(m.root).toBe("");
    expect(m.bytes).toHaveLength(0);
    expect(llb.scratch().isScratch()).toBe(true);
    expect(llb.image("busybox").isScratch()).toBe(false);
  });
});
