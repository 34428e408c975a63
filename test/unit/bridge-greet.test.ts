// The frontend's first exchange (src/gateway/bridge.ts greet): Inputs goes out beside Ping,
// not after its answer, and the build then uses that answer as the caps allow.
import { afterEach, describe, expect, it } from "vitest";
import { firstDefinitions } from "../../src/frontend/first-solves.js";
import { contextDockerignoreLocal, manifestLocal } from "../../src/frontend/read-manifest.js";
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

/** A bridge whose Ping is answered only once `awaited` was asked for (or after HOLD_MS). */
async function holdingPing(inputsEnabled: boolean, inputs?: () => unknown, awaited = "Inputs") {
  const events: string[] = [];
  let solves = 0;
  bridge = await startFakeBridge({
    Ping: async () => {
      for (let waited = 0; waited < HOLD_MS && !events.includes(awaited); waited += 10)
        await new Promise((r) => setTimeout(r, 10));
      events.push("answered Ping");
      return PONG(inputsEnabled);
    },
    Solve: (req: { Definition?: { def?: Uint8Array[] } }) => {
      events.push("Solve");
      // BuildKit answers a lazy Solve with a new ref id each time.
      return { result: { ref: { id: `ref-${++solves}`, def: req.Definition } } };
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
    const { caps, inputs } = await greet(client, { inputs: true });
    expect(events).toEqual(["Inputs", "answered Ping"]);
    expect(bridge.served[0]).toBe("Ping");
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, { inputs });
    const got = await gateway.inputs();
    expect(Object.keys(got)).toEqual(["dockerfile"]);
    expect(got.dockerfile?.def).toEqual(INPUT.def);
    expect(bridge.calls.Inputs).toHaveLength(1);
  });

  it("ignores the early answer when the caps do not list frontend.inputs", async () => {
    const { client } = await holdingPing(false, () => ({ Definitions: { dockerfile: INPUT } }));
    const { caps, inputs } = await greet(client, { inputs: true });
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, { inputs });
    expect(await gateway.inputs()).toEqual({});
  });

  it("survives a server without the Inputs method (gRPC Unimplemented)", async () => {
    const { client } = await holdingPing(false);
    const { caps, inputs } = await greet(client, { inputs: true });
    expect(await inputs).toBeUndefined();
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, { inputs });
    expect(await gateway.inputs()).toEqual({});
  });

  it("sends the build's first Solves with Ping, and the build's Solves of those definitions take their refs", async () => {
    const { bridge, client, events } = await holdingPing(true, () => ({ Definitions: {} }), "Solve");
    const opts = { opts: { filename: "scratchkit.yaml" }, sessionId: "s", workers: [] };
    const { caps, ...early } = await greet(client, { inputs: true, solve: () => firstDefinitions(opts) });
    expect(events.indexOf("Solve")).toBeLessThan(events.indexOf("answered Ping"));
    expect(bridge.calls.Solve).toHaveLength(2);
    const gateway = new GatewayClient(client, { ...opts, caps }, early);
    const manifest = await gateway.solve(manifestLocal("s", "dockerfile", "scratchkit.yaml").definition);
    const ignore = await gateway.solve(contextDockerignoreLocal("s", "context").definition);
    expect([manifest.id, ignore.id].sort()).toEqual(["ref-1", "ref-2"]);
    expect(bridge.calls.Solve).toHaveLength(2);
    // Claimed once: the same definition again, or an evaluated Solve of it, is a Solve of its own.
    const again = await gateway.solve(manifestLocal("s", "dockerfile", "scratchkit.yaml").definition);
    expect(again.id).toBe("ref-3");
    await gateway.solve(contextDockerignoreLocal("s", "context").definition, { evaluate: true });
    expect(bridge.calls.Solve).toHaveLength(4);
  });

  it("asks again when an early Solve failed", async () => {
    const { bridge, client } = await holdingPing(true, () => ({ Definitions: {} }), "Solve");
    let failed = false;
    const { Solve } = bridge.handlers;
    bridge.handlers.Solve = (req) => {
      if (!failed) {
        failed = true;
        throw { code: 14, details: "transport is closing" };
      }
      return (Solve as (r: unknown) => unknown)(req);
    };
    const def = manifestLocal("s", "dockerfile", "scratchkit.yaml");
    const { caps, ...early } = await greet(client, { solve: () => [def] });
    const gateway = new GatewayClient(client, { opts: {}, sessionId: "s", workers: [], caps }, early);
    expect((await gateway.solve(def.definition)).id).toMatch(/^ref-/);
    expect(bridge.calls.Solve).toHaveLength(2);
  });

  it("solves early only what a build of the local directory surely solves first", () => {
    const base = { sessionId: "s", workers: [] };
    const ids = (opts: Record<string, string>) => firstDefinitions({ ...base, opts }).map((m) => m.root);
    const manifest = manifestLocal("s", "dockerfile", "scratchkit.yaml").root;
    const ignore = contextDockerignoreLocal("s", "context").root;
    expect(ids({ filename: "scratchkit.yaml" })).toEqual([manifest, ignore]);
    // A manifest-reading subrequest reads no .dockerignore; one that reads nothing solves nothing.
    expect(ids({ filename: "scratchkit.yaml", requestid: "frontend.outline" })).toEqual([manifest]);
    expect(ids({ filename: "scratchkit.yaml", requestid: "frontend.subrequests.describe" })).toEqual([]);
    expect(ids({ filename: "scratchkit.yaml", requestid: "no.such.request" })).toEqual([]);
    // A remote context holds the manifest; --cache-from's imports change every Solve.
    expect(ids({ context: "https://127.0.0.1/repo.git" })).toEqual([]);
    expect(ids({ "cache-imports": '[{"Type":"registry","Attrs":{"ref":"127.0.0.1:5000/x"}}]' })).toEqual([]);
  });

  it("sends only Ping when the inputs are not wanted (the bench's floor frontend)", async () => {
    const { bridge, client } = await holdingPing(true, () => ({ Definitions: {} }));
    const { inputs } = await greet(client);
    expect(inputs).toBeUndefined();
    expect(bridge.served).toEqual(["Ping"]);
  });
});
