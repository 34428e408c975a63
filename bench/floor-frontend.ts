// The warm-rebuild floor: a gateway frontend that starts Node, pings BuildKit over our own
// bridge code and returns an empty result. Bundled into one file and run from the Node runtime
// image. Like the real frontend it reports its phases on stderr (the daemon log) for the profile.
import { openBridge } from "../src/gateway/bridge.js";

const startup = performance.now();
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
