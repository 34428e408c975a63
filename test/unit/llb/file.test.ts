import { describe, expect, it } from "vitest";
import type { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, fields, num, sub } from "./wire.js";

describe("file ops", () => {
  it("indexes a mkdir -> copy -> mkfile chain like Go", () => {
    const base = llb.image("busybox");
    const ctx = llb.local("context");
    const st = base.file(
      llb
        .mkdir("/app", 0o755, { makeParents: true })
        .copy(ctx, "src/", "/app/", { includePatterns: ["*.ts"] })
        .mkfile("/app/x", 0o644, "hello"),
    );
    const m = llb.marshal(st, { platform: AMD64 });
    const { ops, def } = decode(m);
    const file = ops[2] as pb.Op;
    // Go's traversal: base first, then copy sources.
    expect(ops.slice(0, 2).map((o) => o.source?.identifier)).toEqual([
      "docker-image://docker.io/library/busybox:latest",
      "local://context",
    ]);
    expect(file.inputs.map((i) => i.digest)).toEqual([m.digests[0], m.digests[1]]);
    const actions = file.file?.actions ?? [];
    expect(actions.map((a) => [a.action, num(a.input), num(a.secondaryInput), num(a.output)])).toEqual([
      ["mkdir", 0, -1, -1],
      ["copy", 2, 1, -1],
      ["mkfile", 3, -1, 0],
    ]);
    expect(actions[0]?.mkdir).toMatchObject({ path: "/app", mode: 0o755, makeParents: true });
    expect(num(actions[0]?.mkdir?.timestamp)).toBe(-1);
    expect(actions[1]?.copy).toMatchObject({
      src: "/src",
      dest: "/app/",
      mode: -1,
      includePatterns: ["*.ts"],
    });
    expect(Buffer.from(actions[2]?.mkfile?.data ?? []).toString()).toBe("hello");
    // A FileOp carries no platform.
    expect(file.platform).toBeNull();
    expect(Object.keys(def.metadata[m.digests[2] as string]?.caps ?? {})).toEqual([
      "file.base",
      "file.copy.includeexcludepatterns",
    ]);
  });

  it("uses -1 for scratch and a scratch copy source", () => {
    const st = llb.scratch().file(llb.copy(llb.scratch(), "/a", "b").mkdir("/x", 0o755));
    const { ops } = decode(llb.marshal(st, { platform: AMD64 }));
    const actions = ops[0]?.file?.actions ?? [];
    expect(ops[0]?.inputs).toEqual([]);
    expect(actions.map((a) => [num(a.input), num(a.secondaryInput), num(a.output)])).toEqual([
      [-1, -1, -1],
      [0, -1, 0],
    ]);
    expect(actions[0]?.copy?.dest).toBe("/b");
    expect(actions[1]?.mkdir).toMatchObject({ path: "/x", mode: 0o755 });
  });

  it("encodes owners, modes and timestamps", () => {
    const t = 1_700_000_000;
    const st = llb
      .image("busybox")
      .file(
        llb
          .mkdir("d", 0o40755, { owner: { user: { id: 0 }, group: { name: "staff" } }, timestamp: t })
          .copy(llb.local("l"), "a", "/b", { mode: 0o600, owner: { user: { name: "app" } }, timestamp: t }),
      );
    const m = llb.marshal(st, { platform: AMD64 });
    const [mk, cp] = decode(m).ops[2]?.file?.actions ?? [];
    expect(mk?.mkdir?.path).toBe("/d");
    expect(mk?.mkdir?.mode).toBe(0o755);
    expect(num(mk?.mkdir?.timestamp)).toBe(t * 1e9);
    expect(mk?.mkdir?.owner?.user?.byID).toBe(0);
    expect(mk?.mkdir?.owner?.group?.byName?.name).toBe("staff");
    expect(cp?.copy?.mode).toBe(0o600);
    expect(cp?.copy?.owner?.user?.byName?.name).toBe("app");
    // byID 0 is a oneof member: written even though it is the default.
    const actionBytes = fields(sub(m.definition.def?.[2] as Uint8Array, 4)).filter((f) => f.no === 2)[0]
      ?.value as Uint8Array;
    const userOpt = sub(actionBytes, 6, 4, 1);
    expect(Buffer.from(userOpt).toString("hex")).toBe("1000");
    // timestamp as exact int64 nanoseconds
    const ts = fields(sub(actionBytes, 6)).find((f) => f.no === 5)?.value;
    expect(ts).toBe(BigInt(t) * 1_000_000_000n);
    expect(() => llb.mkdir("/x", 0o755, { timestamp: 1.5 })).toThrow(/seconds/);
  });

  it("file actions and states are immutable", () => {
    const first = llb.mkdir("/a", 0o755);
    const one = llb.scratch().file(first);
    first.mkdir("/b", 0o755);
    const again = llb.scratch().file(first);
    expect(llb.marshal(one, { platform: AMD64 }).bytes).toEqual(
      llb.marshal(again, { platform: AMD64 }).bytes,
    );
    const data = new Uint8Array([1, 2]);
    const f = llb.scratch().file(llb.mkfile("/f", 0o644, data));
    const before = llb.marshal(f, { platform: AMD64 }).bytes;
    data[0] = 9;
    expect(llb.marshal(f, { platform: AMD64 }).bytes).toEqual(before);
  });
});
