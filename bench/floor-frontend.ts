// The warm-rebuild floor: a gateway frontend that starts Node, pings BuildKit over our own
// bridge code and returns an empty result. Bundled into one file and started as the real
// frontend is (the Node runtime image, scripts/frontend-start.cjs with its V8 code cache, the
// frontend image's labels), so the floor is what any Node frontend pays, not a slower start
// than ours. Like the real frontend it reports its phases on stderr (the daemon log).
import { openBridge } from "../src/gateway/bridge.js";
import { startBridgeServer } from "../src/gateway/bridge-server.js";
import { BridgeClient } from "../src/gateway/client.js";

/**
 * frontend-start.cjs --make-code-cache sets SCRATCHKIT_WARM_UP: as the frontend's warm-up, the
 * floor's Ping and Return then go to an in-process bridge, so the cache holds the gRPC client's code.
 */
export const warmedUp = process.env.SCRATCHKIT_WARM_UP ? warmUp() : undefined;

async function warmUp(): Promise<void> {
  const server = await startBridgeServer({ Ping: () => ({}), Return: () => ({}) });
  const client = new BridgeClient(server.address);
  try {
    await client.ping();
    await client.returnResult({ ref: { id: "" } });
  } finally {
    client.close();
    await server.stop();
  }
}

const startup = performance.now();
if (!warmedUp) serve();

function serve(): void {
  openBridge()
    .then(async (bridge) => {
      const ping = performance.now() - startup;
      await bridge.client.returnResult({ ref: { id: "" } });
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
