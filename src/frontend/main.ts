// The frontend's entry point: BuildKit starts it with the LLBBridge on stdin/stdout.
// Nothing here may write to stdout; logs go to stderr.
import { openBridge } from "../gateway/bridge.js";
import { statusFromError } from "../gateway/errors.js";
import { type FrontendClient, GatewayClient } from "../gateway/frontend-client.js";
import { buildkitEnv, parseFrontendEnv } from "../gateway/opts.js";
import { type RpcCalls, type RpcTimes, timedClient } from "../gateway/timed-client.js";
import { log } from "../log.js";
import { serve } from "./dispatch.js";
import { warmUp } from "./warm-up.js";

async function main(): Promise<void> {
  const started = performance.now();
  const bridge = await openBridge(true);
  const phases: Record<string, number> = { startup: started, bridge: performance.now() - started };
  const rpcs: RpcTimes = {};
  const calls: RpcCalls = [];
  // The # syntax= image this frontend was started as: the bench keeps only its own builds' lines
  // (the daemon log is shared with every other build on the engine).
  let source: string | undefined;
  try {
    const fe = parseFrontendEnv(process.env);
    source = fe.opts.source;
    // What the daemon sent (engines differ: Docker Engine vs standalone buildkitd; the Engine
    // API, buildx and buildctl each send other opts).
    log.debug({ env: buildkitEnv(process.env) }, "frontend environment");
    const gateway = new GatewayClient(bridge.client, { ...fe, caps: bridge.caps }, bridge.inputs);
    // At debug level, count and time the bridge calls the build makes (for `npm run bench`).
    const client: FrontendClient = log.isLevelEnabled("debug")
      ? timedClient(gateway, started, rpcs, calls)
      : gateway;
    if (await serve(bridge.client, client)) phases.return = performance.now() - started;
  } catch (err) {
    // The environment could not be parsed, or returning the result failed.
    log.debug({ err }, "build failed");
    await bridge.client.returnError(statusFromError(err));
  } finally {
    // The bench reads this line: wall time and peak memory of the frontend itself.
    // startup: process start to main; bridge, return: ms after main; rpcs: per method
    // [calls, summed ms, first start, last end]; calls: each [method, start, end].
    log.debug(
      {
        ms: Math.round(performance.now() - started),
        source,
        maxRssKiB: process.resourceUsage().maxRSS,
        // CPU (user + system) since the process started: the frontend's own work, which a
        // loaded machine's scheduling delays do not inflate as they do wall time.
        cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
        timeOrigin: Math.round(performance.timeOrigin),
        phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
        rpcs: Object.fromEntries(Object.entries(rpcs).map(([k, v]) => [k, v.map(Math.round)])),
        calls: calls.map(([m, s, e]) => [m, Math.round(s), Math.round(e)]),
      },
      "frontend done",
    );
    bridge.close();
  }
}

/**
 * Set when the image build makes V8's code cache (scripts/frontend-start.cjs, which sets
 * SCRATCHKIT_WARM_UP to Node's path): one build against canned answers instead of the bridge,
 * so the cache holds what a build compiles. The start script awaits it, then writes the cache.
 */
export const warmedUp = process.env.SCRATCHKIT_WARM_UP ? warmUp(process.env.SCRATCHKIT_WARM_UP) : undefined;

if (!warmedUp) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, "frontend could not talk to BuildKit");
      process.exit(1);
    },
  );
}
