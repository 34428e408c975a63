// Shared by the LLB builder tests: a minimal protobuf wire walker and a sample graph.
import { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";

export const AMD64: llb.Platform = { os: "linux", architecture: "amd64" };
export const ARM64: llb.Platform = { os: "linux", architecture: "arm64" };

// Decoding yields Long objects for int64 fields at runtime; compare them as numbers.
export function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const { low, high } = v as { low: number; high: number };
  return high * 2 ** 32 + (low >>> 0);
}

export interface WireField {
  no: number;
  wt: number;
  value: bigint | Uint8Array;
}

// Minimal protobuf wire walker, to look at exactly which fields were written.
export function fields(buf: Uint8Array): WireField[] {
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

export function sub(buf: Uint8Array, ...path: number[]): Uint8Array {
  let cur = buf;
  for (const no of path) {
    const f = fields(cur).find((x) => x.no === no);
    if (!f || !(f.value instanceof Uint8Array)) throw new Error(`no field ${no}`);
    cur = f.value;
  }
  return cur;
}

export function decode(m: llb.Marshalled) {
  const def = pb.Definition.decode(m.bytes);
  const ops = def.def.map((b) => pb.Op.decode(b));
  return { def, ops };
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

export function str(s: string): string {
  return Buffer.from(s).toString("hex");
}

export function sampleGraph(): llb.State {
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
