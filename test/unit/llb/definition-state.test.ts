import { describe, expect, it } from "vitest";
import * as llb from "../../../src/llb/index.js";
import { AMD64 } from "./wire.js";

describe("definitionState (a frontend input as a State)", () => {
  it("re-marshals a received definition to the same ops, and builds on it", () => {
    const base = llb
      .image("busybox")
      .run({ args: ["sh", "-c", "echo hi > /x"] })
      .file(llb.mkdir("/d", 0o755));
    const sent = llb.marshal(base, { platform: AMD64 });
    const again = llb.marshal(llb.definitionState(sent.definition), { platform: AMD64 });
    expect(again.digests).toEqual(sent.digests);
    expect(again.definition.def).toEqual(sent.definition.def);
    const on = llb.marshal(llb.definitionState(sent.definition).file(llb.mkdir("/e", 0o755)), {
      platform: AMD64,
    });
    expect(on.digests.slice(0, sent.digests.length - 1)).toEqual(sent.digests.slice(0, -1));
  });
});
