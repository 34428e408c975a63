// The warm-rebuild floors: gateway frontends that start Node, ping BuildKit over our own
// bridge code and return. The empty floor returns an empty result (BuildKit exports nothing);
// the same-image floor, given the bench's recorded result (./floor-result.ts) in its image,
// solves that definition once and returns it with its image config, so BuildKit exports the
// image scratchkit exports. The reads floor (a recorded result with `reads`) first makes the
// calls no manifest-reading frontend can skip, with scratchkit's own code: Inputs, the
// manifest's and the .dockerignores' reads, and the build image's ResolveImageConfig. All three
// are one bundle (the same start-up code), started as the real frontend is (the Node runtime
// image, scripts/frontend-start.cjs with its V8 code cache, the frontend image's labels), so a
// floor is what any Node frontend pays, not a slower start than ours. Like the real frontend
// it reports its phases on stderr (the daemon log).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveBase } from "../src/frontend/base-image.js";
import { platformResult } from "../src/frontend/platform-result.js";
import { readContextDockerignore, readManifestFile } from "../src/frontend/read-manifest.js";
import { openBridge } from "../src/gateway/bridge.js";
import { startBridgeServer } from "../src/gateway/bridge-server.js";
import { configOf } from "../src/gateway/build-config.js";
import { capsFromPong } from "../src/gateway/caps.js";
import { BridgeClient, type Result } from "../src/gateway/client.js";
import { GatewayClient } from "../src/gateway/frontend-client.js";
import { parseFrontendEnv } from "../src/gateway/opts.js";
import { pb } from "../src/gen/proto.js";
import { parsePlatform } from "../src/platform.js";
import { FLOOR_RESULT_FILE, type FloorResult } from "./floor-result.js";

/**
 * frontend-start.cjs --make-code-cache sets SCRATCHKIT_WARM_UP: as the frontend's warm-up, the
 * floor's calls then go to an in-process bridge, so the cache holds the code they run (the
 * gRPC client's; the reads floor's reads too, as scratchkit's warm-up caches its own).
 */
export const warmedUp = process.env.SCRATCHKIT_WARM_UP ? warmUp() : undefined;

async function warmUp(): Promise<void> {
  const reads = recorded()?.reads;
  const server = await startBridgeServer({
    Ping: () => ({}),
    Inputs: () => ({}),
    Solve: () => ({ result: { ref: { id: "warm-up" } } }),
    ReadFile: () => ({ Data: new TextEncoder().encode("name: warm-up\n") }),
    ResolveImageConfig: () => ({ Digest: "", Config: new TextEncoder().encode("{}") }),
    Return: () => ({}),
  });
  const client = new BridgeClient(server.address);
  try {
    await client.ping();
    if (reads) {
      const opts = { opts: { filename: "scratchkit.yaml" }, sessionId: "warm-up", workers: [] };
      await unavoidableReads(new GatewayClient(client, { ...opts, caps: capsFromPong({}) }), reads.image);
    }
    await client.returnResult({ ref: { id: "" } });
  } finally {
    client.close();
    await server.stop();
  }
}

const startup = performance.now();
if (!warmedUp) serve();

/** The recorded result next to the bundle (the same-image floor's image has one), else none. */
function recorded(): FloorResult | undefined {
  try {
    return JSON.parse(readFileSync(join(__dirname, FLOOR_RESULT_FILE), "utf8")) as FloorResult;
  } catch {
    return undefined;
  }
}

/** One Solve of the recorded definition (lazy, as scratchkit's image Solve), returned with its config. */
async function result(client: BridgeClient, r: FloorResult | undefined): Promise<Result> {
  if (!r) return { ref: { id: "" } };
  const definition = pb.Definition.decode(Buffer.from(r.definition, "base64"));
  const solved = await client.solve({ Definition: definition });
  const refId = solved.ref?.id ?? "";
  return platformResult([{ platform: parsePlatform(r.platform), refId, config: r.config }], false);
}

/**
 * The reads floor's calls, in scratchkit's order (src/frontend/dispatch.ts): the manifest and
 * the .dockerignores side by side, the build image resolved as soon as the manifest is in.
 */
async function unavoidableReads(gateway: GatewayClient, image: string): Promise<void> {
  const config = configOf(gateway.buildOpts());
  const inputs = await gateway.inputs();
  const ignore = readContextDockerignore(gateway, config.contextKey);
  const manifest = await readManifestFile(
    gateway,
    inputs[config.dockerfileKey],
    config.dockerfileKey,
    config.filename,
  );
  const span = { line: 1, col: 1, endLine: 1, endCol: 1 };
  const platform = config.platforms[0] ?? config.buildPlatform;
  await Promise.all([
    resolveBase(gateway, image, platform, config.imageResolveMode, span),
    ignore,
    manifest.ignore,
  ]);
}

function serve(): void {
  const floor = recorded();
  openBridge(floor?.reads !== undefined)
    .then(async (bridge) => {
      const ping = performance.now() - startup;
      if (floor?.reads) {
        const opts = { ...parseFrontendEnv(process.env), caps: bridge.caps };
        await unavoidableReads(new GatewayClient(bridge.client, opts, bridge.inputs), floor.reads.image);
      }
      await bridge.client.returnResult(await result(bridge.client, floor));
      const ret = performance.now() - startup;
      process.stderr.write(
        `${JSON.stringify({
          level: 20,
          name: "scratchkit",
          msg: "frontend done",
          floor: true,
          // As the real frontend's line: the # syntax= image, so the bench keeps only its own builds'.
          source: Object.entries(process.env)
            .filter(([k]) => k.startsWith("BUILDKIT_FRONTEND_OPT_"))
            .map(([, v]) => v ?? "")
            .find((v) => v.startsWith("source="))
            ?.slice("source=".length),
          ms: Math.round(ret),
          maxRssKiB: process.resourceUsage().maxRSS,
          timeOrigin: Math.round(performance.timeOrigin),
          phases: { startup: Math.round(startup), bridge: Math.round(ping), return: Math.round(ret) },
        })}\n`,
      );
      bridge.close();
    })
    .then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`floor frontend: ${String(err)}\n`);
        process.exit(1);
      },
    );
}
