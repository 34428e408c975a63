// The code-cache warm-up (src/frontend/warm-up.ts) must run its build through the same client
// stack as a real build (grpc-js, the codecs, GatewayClient), or V8's cache misses those.
import { describe, expect, it } from "vitest";
import { warmUp } from "../../src/frontend/warm-up.js";

describe("warm-up", () => {
  it("builds over gRPC against its in-process bridge: Ping first, the gate's reads, Return last", async () => {
    const served = await warmUp(process.execPath);
    expect(served[0]).toBe("Ping");
    expect(served).toEqual(expect.arrayContaining(["Solve", "ReadFile", "ReadDir", "ResolveImageConfig"]));
    expect(served.at(-1)).toBe("Return");
  });
});
