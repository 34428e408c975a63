// The frontend's first exchange (src/gateway/bridge.ts greet): Inputs goes out beside Ping,
// not after its answer, and the build then uses that answer as the caps allow.
import { afterEach, describe, expect, it } from "vitest";
import { greet } from "../../src/gateway/bridge.js";
import { BridgeClient } from "../../src/gateway/client.js";
import { GatewayClient } from "../../src/gateway/frontend-client.js";
import { pb } from "../../src/gen/proto.js";
import * as llb from "../../src/llb/index.js";
import { type FakeBridge, startFakeBridge } from "./fixtures/fake-bridge.js";

/** How long the Ping answer waits for the Inputs request before answering anyway. */
const HOLD_MS = 1500;

const PONG = (inputsEnabled: boolean) => ({
  FrontendAPICaps: [
    { ID: "solve.base", Enabled: true },
    { ID: "frontend.inputs", Enabled: inputsEnabled },
  ],
  LLBCaps: [],
});

/** A caller's `dockerfile` input, as BuildKit's Inputs carries one. */
const INPUT = pb.Definition.create(llb.marshal(llb.local("dockerfile", { sessionId: "s" })).definition);

let bridge: FakeBridge | undefined;
let client: BridgeClient | undefined;
afterEach(async () => {
  client?.close();
  await bridge?.stop();
});

/** A bridge whose Ping is answered only once Inputs was asked for (or after HOLD_MS). */
async function holdingPing(inputsEnabled: boolean, inputs?: () => unknown) {
  const events: string[] = [];
  bridge = await startFakeBridge({
    Ping: async () => {
      for (let waited = 0; waited < HOLD_MS && !events.includes("Inputs"); waited += 10)
        await new Promise((r) => setTimeout(r, 10));
      events.push("answered Ping");
      return PONG(inputsEnabled);
    },
    ...(inputs
      ? {
          Inputs: () => {
            events.push("Inputs");
            return inputs();
          },
        }
      : {}),
  });
  client = new BridgeClient(bridge.address);
  return { bridge, client, events };
}

describe("the first exchange with BuildKit", () => {
  it("asks for the inputs before Ping is answered, and the build gets them without asking again", async () => {
    const { bridge, client, events } = await holdingPing(true, () => ({
      Definitions: { dockerfile: INPUT },
    }));
    const { caps, inputs } = await greet(client, true);
    expect(events).toEqual(["Inputs", "answered Ping"]);
    expect(bridge.served[0]).toBe("Ping");
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, inputs);
    const got = await gateway.inputs();
    expect(Object.keys(got)).toEqual(["dockerfile"]);
    expect(got.dockerfile?.def).toEqual(INPUT.def);
    expect(bridge.calls.Inputs).toHaveLength(1);
  });

  it("ignores the early answer when the caps do not list frontend.inputs", async () => {
    const { client } = await holdingPing(false, () => ({ Definitions: { dockerfile: INPUT } }));
    const { caps, inputs } = await greet(client, true);
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, inputs);
    expect(await gateway.inputs()).toEqual({});
  });

  it("survives a server without the Inputs method (gRPC Unimplemented)", async () => {
    const { client } = await holdingPing(false);
    const { caps, inputs } = await greet(client, true);
    expect(await inputs).toBeUndefined();
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, inputs);
    expect(await gateway.inputs()).toEqual({});
  });

  it("sends only Ping when the inputs are not wanted (the bench's floor frontend)", async () => {
    const { bridge, client } = await holdingPing(true, () => ({ Definitions: {} }));
    const { inputs } = await greet(client);
    expect(inputs).toBeUndefined();
    expect(bridge.served).toEqual(["Ping"]);
  });
});
