import { describe, expect, it } from "vitest";
import type { pb } from "../../../src/gen/proto.js";
import * as llb from "../../../src/llb/index.js";
import { AMD64, decode, fields, str } from "./wire.js";

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
