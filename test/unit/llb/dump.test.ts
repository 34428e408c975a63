import { describe, expect, it } from "vitest";
import { toDot } from "../../../src/llb/dot.js";
import { dumpDefinition } from "../../../src/llb/dump.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, sampleGraph } from "./wire.js";

describe("dumpDefinition", () => {
  it("lists every op of the definition with its digest and inputs, in order", () => {
    const m = llb.marshal(sampleGraph(), { platform: AMD64 });
    const ops = dumpDefinition(m.bytes);
    expect(ops.map((o) => o.digest)).toEqual(m.digests);
    expect(ops.map((o) => o.kind)).toEqual(["source", "source", "exec", "file", ""]);
    expect(ops[2]?.inputs).toEqual([
      { digest: m.digests[0], index: 0 },
      { digest: m.digests[1], index: 0 },
    ]);
    // The file op copies from the exec's /out mount: its output 1.
    expect(ops[3]?.inputs).toEqual([{ digest: m.digests[2], index: 1 }]);
    expect(m.root).toBe(m.digests[3]);
    expect(ops[4]).toEqual({
      digest: m.digests[4],
      inputs: [{ digest: m.root, index: 0 }],
      kind: "",
      op: {},
      metadata: { caps: ["constraints", "meta.description", "platform"] },
    });
  });

  it("decodes enums by name, bytes as text or base64, modes in octal, locations as file:line", () => {
    const f: llb.SourceMap = { filename: "m.yaml", data: new TextEncoder().encode("a\nb\nc\n") };
    const run = llb.image("busybox").run({
      args: ["x"],
      network: "none",
      mounts: [{ dest: "/c", type: "cache", sharing: "private" }],
      location: { source: f, ranges: [{ start: { line: 2 }, end: { line: 3 } }] },
      ignoreCache: true,
    });
    const st = run.file(
      llb.mkfile("/text", 0o600, "hi\n").mkfile("/bin", 0o755, Uint8Array.of(0xff, 0xfe, 0)),
      { name: "files" },
    );
    const ops = dumpDefinition(llb.marshal(st, { platform: AMD64 }).bytes);
    const exec = ops.find((o) => o.kind === "exec");
    expect(exec?.op.network).toBe("NONE");
    expect(exec?.op.mounts).toContainEqual({
      input: -1,
      dest: "/c",
      output: -1,
      mountType: "CACHE",
      cacheOpt: { ID: "/c", sharing: "PRIVATE" },
    });
    expect(exec?.platform).toBe("linux/amd64");
    expect(exec?.locations).toEqual(["m.yaml:2-3"]);
    expect(exec?.metadata).toMatchObject({ ignoreCache: true });
    const actions = ops.find((o) => o.kind === "file")?.op.actions as Array<Record<string, unknown>>;
    expect(actions.map((a) => a.mkfile)).toEqual([
      { path: "/text", mode: "0600", data: "hi\n", timestamp: -1 },
      { path: "/bin", mode: "0755", data: { base64: "//4A" }, timestamp: -1 },
    ]);
  });

  it("keeps -1 (keep the source's mode) as a number", () => {
    const st = llb.scratch().file(llb.copy(llb.image("busybox"), "/a", "/b"));
    const file = dumpDefinition(llb.marshal(st, { platform: AMD64 }).bytes).find((o) => o.kind === "file");
    expect((file?.op.actions as Array<{ copy: { mode: unknown } }>)[0]?.copy.mode).toBe(-1);
  });
});

describe("toDot", () => {
  it("one node per op, one edge per input, merge and terminal labelled", () => {
    const merged = llb.merge([llb.image("busybox"), llb.local("ctx")]);
    const dot = toDot(dumpDefinition(llb.marshal(merged, { platform: AMD64 }).bytes));
    const lines = dot.trimEnd().split("\n");
    expect(lines[0]).toBe("digraph llb {");
    expect(lines.at(-1)).toBe("}");
    expect(lines.filter((l) => l.includes("[label=") && !l.includes("->"))).toHaveLength(4);
    expect(lines.filter((l) => l.includes(" -> "))).toHaveLength(3);
    expect(dot).toContain('label="merge 2 inputs\\nsha256:');
    expect(dot).toContain('label="docker-image://docker.io/library/busybox:latest\\nsha256:');
    expect(dot).toMatch(/label="result\\nsha256:[0-9a-f]{12}", shape=ellipse\]/);
  });

  it("escapes quotes and backslashes in labels", () => {
    const st = llb.image("busybox").run({ args: ["sh", "-c", 'echo "a\\b"'] });
    const dot = toDot(dumpDefinition(llb.marshal(st, { platform: AMD64 }).bytes));
    expect(dot).toContain('label="exec sh -c echo \\"a\\\\b\\"\\nsha256:');
  });
});
