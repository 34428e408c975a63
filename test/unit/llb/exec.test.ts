import { describe, expect, it } from "vitest";
import { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, ARM64, decode, fields, hex, num, str, sub } from "./wire.js";

describe("exec", () => {
  it("byte-exact encoding of a minimal exec on scratch", () => {
    const m = llb.marshal(llb.scratch().run({ args: ["x"] }), { platform: AMD64 });
    // meta{args:"x", cwd:"/", removeMountStubsRecursive:true}
    const meta = "0a0178 1a012f 5801";
    // mount{input:-1, dest:"/"} (output 0 and readonly false omitted)
    const mount = "08ffffffffffffffffff01 1a012f";
    const platform = `0a05${str("amd64")}1205${str("linux")}`;
    const expected = hex(`121a 0a08 ${meta} 120e ${mount} 520e ${platform} 5a00`);
    expect(Buffer.from(m.definition.def?.[0] as Uint8Array).toString("hex")).toBe(
      Buffer.from(expected).toString("hex"),
    );
  });

  it("sorts mounts by dest, assigns inputs and outputs like Go", () => {
    const base = llb.image("busybox");
    const a = llb.local("a");
    const b = llb.local("b");
    const st = base.run({
      args: ["sh"],
      mounts: [
        { dest: "/z-secret", type: "secret", secretId: "tok" },
        { dest: "/w", source: b, selector: "sub" },
        { dest: "/out" },
        { dest: "/cache", type: "cache" },
        { dest: "/a", source: a, readonly: true },
        { dest: "/a2", source: a, readonly: true },
      ],
    });
    const m = llb.marshal(st, { platform: AMD64 });
    const { ops, def } = decode(m);
    const exec = ops.find((o) => o.exec) as pb.Op;
    // Inputs in sorted-mount order: root image, then a, then b; a is deduplicated.
    const srcIds = exec.inputs.map((i) => ops[m.digests.indexOf(i.digest ?? "")]?.source?.identifier);
    expect(srcIds).toEqual(["docker-image://docker.io/library/busybox:latest", "local://a", "local://b"]);
    // And the same order in the def (Go's traversal order).
    expect(ops.slice(0, 3).map((o) => o.source?.identifier)).toEqual(srcIds);
    const mounts = exec.exec?.mounts ?? [];
    expect(
      mounts.map((x) => [x.dest, num(x.input), num(x.output), x.readonly, x.selector, x.mountType]),
    ).toEqual([
      ["/", 0, 0, false, "", pb.MountType.BIND],
      ["/a", 1, -1, true, "", pb.MountType.BIND],
      ["/a2", 1, -1, true, "", pb.MountType.BIND],
      ["/cache", -1, -1, false, "", pb.MountType.CACHE],
      ["/out", -1, 1, false, "", pb.MountType.BIND],
      ["/w", 2, 2, false, "sub", pb.MountType.BIND],
      // Secrets come last, with no input and Go's unset output.
      ["/z-secret", -1, 0, false, "", pb.MountType.SECRET],
    ]);
    expect(mounts[3]?.cacheOpt).toMatchObject({ ID: "/cache", sharing: pb.CacheSharingOpt.SHARED });
    expect(mounts[6]?.secretOpt).toMatchObject({ ID: "tok", mode: 0o400, uid: 0, gid: 0, optional: false });
    expect(exec.platform).toMatchObject({ OS: "linux", Architecture: "amd64" });
    expect(Object.keys(def.metadata[m.digests[ops.findIndex((o) => o.exec)] as string]?.caps ?? {})).toEqual([
      "exec.meta.base",
      "exec.mount.bind",
      "exec.mount.cache",
      "exec.mount.cache.sharing",
      "exec.mount.secret",
      "exec.mount.selector",
    ]);
  });

  it("omits defaults: no readonly=false, no output 0, no network", () => {
    const st = llb.image("busybox").run({ args: ["true"], mounts: [{ dest: "/out" }] });
    const m = llb.marshal(st, { platform: AMD64 });
    const execBytes = m.definition.def?.[1] as Uint8Array;
    const execOp = sub(execBytes, 2);
    expect(fields(execOp).map((f) => f.no)).toEqual([1, 2, 2]);
    const [root, out] = fields(execOp)
      .filter((f) => f.no === 2)
      .map((f) => fields(f.value as Uint8Array).map((x) => x.no));
    expect(root).toEqual([3]); // input 0, output 0, readonly false all omitted
    expect(out).toEqual([1, 3, 4]); // input -1, dest, output 1
  });

  it("meta: env order, cwd, user, network, caps", () => {
    const st = llb.image("busybox").run({
      args: ["a", "b"],
      env: ["Z=1", "A=2"],
      cwd: "/work",
      user: "1000:1000",
      network: "none",
      ignoreCache: true,
      progressGroup: { id: "g", name: "Group" },
    });
    const m = llb.marshal(st, { platform: AMD64 });
    const { ops, def } = decode(m);
    const exec = ops[1] as pb.Op;
    expect(exec.exec?.meta).toMatchObject({
      args: ["a", "b"],
      env: ["Z=1", "A=2"],
      cwd: "/work",
      user: "1000:1000",
    });
    expect(exec.exec?.network).toBe(pb.NetMode.NONE);
    // Field order as Go writes it: user(4), then removeMountStubsRecursive(11).
    expect(fields(sub(m.definition.def?.[1] as Uint8Array, 2, 1)).map((f) => f.no)).toEqual([
      1, 1, 2, 2, 3, 4, 11,
    ]);
    const md = def.metadata[m.digests[1] as string];
    expect(md?.ignoreCache).toBe(true);
    expect(md?.progressGroup).toMatchObject({ id: "g", name: "Group" });
    expect(Object.keys(md?.caps ?? {})).toEqual(["exec.meta.base", "exec.meta.network", "exec.mount.bind"]);
    const terminalCaps = def.metadata[m.digests[2] as string]?.caps;
    expect(terminalCaps).toEqual({ constraints: true, "meta.ignorecache": true, platform: true });
  });

  it("uses the state's platform, else the marshal default", () => {
    const st = llb
      .scratch()
      .withPlatform(ARM64)
      .run({ args: ["x"] });
    expect(decode(llb.marshal(st, { platform: AMD64 })).ops[0]?.platform).toMatchObject({
      Architecture: "arm64",
    });
    const st2 = llb.scratch().run({ args: ["x"] });
    expect(decode(llb.marshal(st2, { platform: ARM64 })).ops[0]?.platform).toMatchObject({
      Architecture: "arm64",
    });
  });

  it("getMount returns the mount's output", () => {
    const st = llb.image("busybox").run({
      args: ["x"],
      mounts: [
        { dest: "/out" },
        { dest: "/b" },
        { dest: "/ro", source: llb.local("l"), readonly: true },
        { dest: "/c", type: "cache" },
      ],
    });
    const terminalInput = (s: llb.State) => {
      const m = llb.marshal(s, { platform: AMD64 });
      const { ops } = decode(m);
      const t = ops[ops.length - 1]?.inputs[0];
      return [ops[m.digests.indexOf(t?.digest ?? "")]?.op, num(t?.index)];
    };
    expect(terminalInput(st)).toEqual(["exec", 0]);
    expect(terminalInput(st.getMount("/"))).toEqual(["exec", 0]);
    expect(terminalInput(st.getMount("/b"))).toEqual(["exec", 1]);
    expect(terminalInput(st.getMount("/out"))).toEqual(["exec", 2]);
    expect(terminalInput(st.getMount("/ro"))).toEqual(["source", 0]);
    expect(() => st.getMount("/c")).toThrow(/no output/);
    expect(() => st.getMount("/nope")).toThrow(/no mount/);
  });

  it("rejects bad mounts", () => {
    const base = llb.scratch();
    expect(() => base.run({ args: [] })).toThrow();
    expect(() => base.run({ args: ["x"], mounts: [{ dest: "/" }] })).toThrow(/duplicate/);
    expect(() => base.run({ args: ["x"], mounts: [{ dest: "rel" }] })).toThrow(/absolute/);
    expect(() =>
      base.run({ args: ["x"], mounts: [{ dest: "/t", type: "secret", source: llb.image("busybox") }] }),
    ).toThrow(/can't have a source/);
    expect(() => base.run({ args: ["x"], mounts: [{ dest: "/t", type: "tmpfs" as "bind" }] })).toThrow(
      /invalid mount type tmpfs/,
    );
  });
});
