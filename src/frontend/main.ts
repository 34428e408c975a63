// The frontend's entry point: BuildKit starts it with the LLBBridge on stdin/stdout.
// Nothing here may write to stdout; logs go to stderr.
import { openBridge } from "../gateway/bridge.js";
import { statusFromError } from "../gateway/errors.js";
import { parseFrontendEnv } from "../gateway/opts.js";
import { log } from "../log.js";
import { runBuild } from "./build.js";

async function main(): Promise<void> {
  const started = performance.now();
  const bridge = await openBridge();
  try {
    const fe = parseFrontendEnv(process.env);
    const outcome = await runBuild(bridge.client, bridge.caps, {
      opts: fe.opts,
      sessionId: fe.sessionId,
      workerPlatforms: fe.workers[0]?.platforms ?? [],
    });
    await bridge.client.returnResult(outcome.result);
  } catch (err) {
    log.debug({ err }, "build failed");
    await bridge.client.returnError(statusFromError(err));
  } finally {
    // The bench reads this line: wall time and peak memory of the frontend itself.
    log.debug(
      { ms: Math.round(performance.now() - started), maxRssKiB: process.resourceUsage().maxRSS },
      "frontend done",
    );
    bridge.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log.error({ err }, "frontend could not talk to BuildKit");
    process.exit(1);
  },
);
