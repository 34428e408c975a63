import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pb } from "../../src/gen/proto.js";
import * as llb from "../../src/llb/index.js";

const AMD64: llb.Platform = { os: "linux", architecture: "amd64" };
const ARM64: llb.Platform = { os: "linux", architecture: "arm64" };

// Decoding yields Long objects for int64 fields at runtime; compare them as numbers.
function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const { low, high } = v as { low: number; high: number };
  return high * 2 ** 32 + (low >>> 0);
}

interface WireField {
  no: number;
  wt: number;
  value: bigint | Uint8Array;
}

// Minimal protobuf wire walker, to look at exactly which fields were written.
function fields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++] as number;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const no = tag >> 3;
    const wt = tag & 7;
    if (wt === 0) out.push({ no, wt, value: varint() });
    else if (wt === 2) {
      const len = Number(varint());
      out.push({ no, wt, value: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`unexpected wire type ${wt}`);
  }
  return out;
}

function sub(buf: Uint8Array, ...path: number[]): Uint8Array {
  let cur = buf;
  for (const no of path) {
    const f = fields(cur).find((x) => x.no === no);
    if (!f || !(f.value instanceof Uint8Array)) throw new Error(`no field ${no}`);
    cur = f.value;
  }
  return cur;
}

function decode(m: llb.Marshalled) {
  const def = pb.Definition.decode(m.bytes);
  const ops = def.def.map((b) => pb.Op.decode(b));
  return { def, ops };
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

function str(s: string): string {
  return Buffer.from(s).toString("hex");
}

function sampleGraph(): llb.State {
  const manifest: llb.SourceMap = { filename: "scratchkit.yaml", data: new TextEncoder().encode("a\nb\n") };
  const base = llb.image("alpine:3.22", {
    name: "base",
    location: { source: manifest, ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
  });
  const src = llb.local("context", {
    sessionId: "sess",
    excludePatterns: ["node_modules"],
    sharedKeyHint: "context",
  });
  const built = base.run({
    args: ["sh", "-c", "make"],
    env: ["B=2", "A=1"],
    mounts: [
      { dest: "/src", source: src, readonly: true },
      { dest: "/out" },
      { dest: "/root/.cache", type: "cache", cacheId: "c1", sharing: "locked" },
    ],
    name: "build",
    location: {
      source: { ...manifest },
      ranges: [{ start: { line: 2, character: 1 }, end: { line: 2, character: 4 } }],
    },
  });
  return llb
    .scratch()
    .file(
      llb.mkdir("/app", 0o755).copy(built.getMount("/out"), "/prog", "/app/").mkfile("/app/v", 0o644, "1"),
      {
        name: "assemble",
      },
    );
}

describe("determinism", () => {
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
});

describe("sources", () => {
  it("image: normalized identifier, platform, empty constraints, caps", () => {
    const m = llb.marshal(llb.image("alpine:3.22"), { platform: AMD64 });
    const { ops, def } = decode(m);
    const op = ops[0] as pb.Op;
    expect(op.source?.identifier).toBe("docker-image://docker.io/library/alpine:3.22");
    expect(Object.keys(op.source?.attrs ?? {})).toEqual([]);
    expect(op.platform).toMatchObject({ OS: "linux", Architecture: "amd64" });
    // constraints (field 11) is present but empty, like Go writes it.
    const constraints = fields(def.def[0] as Uint8Array).find((f) => f.no === 11)?.value as Uint8Array;
    expect(constraints).toHaveLength(0);
    expect(def.metadata[m.digests[0] as string]?.caps).toEqual({ "source.image": true });
  });

  it("image: own platform wins over marshal default and flows to exec ops", () => {
    const st = llb
      .image("busybox", { platform: { os: "linux", architecture: "aarch64" } })
      .run({ args: ["true"] });
    const { ops } = decode(llb.marshal(st, { platform: AMD64 }));
    expect(ops[0]?.platform).toMatchObject({ OS: "linux", Architecture: "arm64" });
    expect(ops[1]?.platform).toMatchObject({ OS: "linux", Architecture: "arm64" });
  });

  it("image: resolve modes", () => {
    const pullM = llb.marshal(llb.image("busybox", { resolveMode: "pull" }), { platform: AMD64 });
    const pull = decode(pullM);
    expect(pull.ops[0]?.source?.attrs).toEqual({ "image.resolvemode": "pull" });
    expect(Object.keys(pull.def.metadata[pullM.digests[0] as string]?.caps ?? {})).toEqual([
      "source.image",
      "source.image.resolvemode",
    ]);
    const loc = decode(llb.marshal(llb.image("busybox", { resolveMode: "local" }), { platform: AMD64 }));
    expect(loc.ops[0]?.source?.attrs).toEqual({ "image.resolvemode": "local" });
    const def = decode(llb.marshal(llb.image("busybox", { resolveMode: "default" }), { platform: AMD64 }));
    expect(def.ops[0]?.source?.attrs).toEqual({});
  });

  it("local: attrs as Go writes them, JSON arrays with Go escaping, caps, no platform", () => {
    const st = llb.local("dockerfile", {
      sessionId: "s1",
      includePatterns: ["a<b>&c"],
      excludePatterns: ["node_modules", "*.log"],
      followPaths: ["scratchkit.yaml", "scratchkit.yaml.dockerignore"],
      sharedKeyHint: "dockerfile",
      differ: "none",
    });
    const m = llb.marshal(st, { platform: AMD64 });
    const { ops, def } = decode(m);
    const op = ops[0] as pb.Op;
    expect(op.source?.identifier).toBe("local://dockerfile");
    expect(op.source?.attrs).toEqual({
      "local.differ": "none",
      "local.excludepatterns": '["node_modules","*.log"]',
      "local.followpaths": '["scratchkit.yaml","scratchkit.yaml.dockerignore"]',
      "local.includepattern": '["a\\u003cb\\u003e\\u0026c"]',
      "local.session": "s1",
      "local.sharedkeyhint": "dockerfile",
    });
    expect(op.platform).toBeNull();
    expect(Object.keys(def.metadata[m.digests[0] as string]?.caps ?? {})).toEqual([
      "source.local",
      "source.local.excludepatterns",
      "source.local.followpaths",
      "source.local.includepatterns",
      "source.local.sessionid",
      "source.local.sharedkeyhint",
    ]);
  });

  it("local: byte-exact encoding with defaults omitted", () => {
    const m = llb.marshal(llb.local("ctx", { sharedKeyHint: "ctx" }), { platform: AMD64 });
    const entry = `0a13${str("local.sharedkeyhint")}1203${str("ctx")}`;
    const sourceOp = `0a0b${str("local://ctx")}121a${entry}`;
    expect(Buffer.from(m.definition.def?.[0] as Uint8Array).toString("hex")).toBe(`1a29${sourceOp}5a00`);
  });
});

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
        { dest: "/tmp", type: "tmpfs", tmpfsSize: 1024 },
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
      ["/tmp", -1, -1, false, "", pb.MountType.TMPFS],
      ["/w", 2, 2, false, "sub", pb.MountType.BIND],
      // Secrets come last, with no input and Go's unset output.
      ["/z-secret", -1, 0, false, "", pb.MountType.SECRET],
    ]);
    expect(mounts[3]?.cacheOpt).toMatchObject({ ID: "/cache", sharing: pb.CacheSharingOpt.SHARED });
    expect(num(mounts[5]?.TmpfsOpt?.size)).toBe(1024);
    expect(mounts[7]?.secretOpt).toMatchObject({ ID: "tok", mode: 0o400, uid: 0, gid: 0, optional: false });
    expect(exec.platform).toMatchObject({ OS: "linux", Architecture: "amd64" });
    expect(Object.keys(def.metadata[m.digests[ops.findIndex((o) => o.exec)] as string]?.caps ?? {})).toEqual([
      "exec.meta.base",
      "exec.mount.bind",
      "exec.mount.cache",
      "exec.mount.cache.sharing",
      "exec.mount.secret",
      "exec.mount.selector",
      "exec.mount.tmpfs",
      "exec.mount.tmpfs.size",
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

  it("meta: env order, cwd, user, hostname, network, valid exit codes, caps", () => {
    const st = llb.image("busybox").run({
      args: ["a", "b"],
      env: ["Z=1", "A=2"],
      cwd: "/work",
      user: "1000:1000",
      hostname: "box",
      network: "none",
      validExitCodes: [0, 3],
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
      hostname: "box",
    });
    expect(exec.exec?.meta?.validExitCodes).toEqual([0, 3]);
    expect(exec.exec?.network).toBe(pb.NetMode.NONE);
    // Field order as Go writes it: hostname(7), removeMountStubsRecursive(11), validExitCodes(12).
    expect(fields(sub(m.definition.def?.[1] as Uint8Array, 2, 1)).map((f) => f.no)).toEqual([
      1, 1, 2, 2, 3, 4, 7, 11, 12,
    ]);
    const md = def.metadata[m.digests[1] as string];
    expect(md?.ignoreCache).toBe(true);
    expect(md?.progressGroup).toMatchObject({ id: "g", name: "Group" });
    expect(Object.keys(md?.caps ?? {})).toEqual([
      "exec.meta.base",
      "exec.meta.network",
      "exec.mount.bind",
      "exec.validexitcode",
    ]);
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
      base.run({ args: ["x"], mounts: [{ dest: "/t", type: "tmpfs", source: llb.image("busybox") }] }),
    ).toThrow();
  });
});

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
    const st = llb.scratch().file(llb.copy(llb.scratch(), "/a", "b").rm("/x", { allowNotFound: true }));
    const { ops } = decode(llb.marshal(st, { platform: AMD64 }));
    const actions = ops[0]?.file?.actions ?? [];
    expect(ops[0]?.inputs).toEqual([]);
    expect(actions.map((a) => [num(a.input), num(a.secondaryInput), num(a.output)])).toEqual([
      [-1, -1, -1],
      [0, -1, 0],
    ]);
    expect(actions[0]?.copy?.dest).toBe("/b");
    expect(actions[1]?.rm).toMatchObject({ path: "/x", allowNotFound: true });
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

describe("metadata and source maps", () => {
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

describe("scratch and merge", () => {
  it("marshals scratch to an empty definition", () => {
    const m = llb.marshal(llb.scratch());
    expect(m.digests).toEqual([]);
    expect(m.root).toBe("");
    expect(m.bytes).toHaveLength(0);
    expect(llb.scratch().isScratch()).toBe(true);
    expect(llb.image("busybox").isScratch()).toBe(false);
  });

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
