// The frontend's entry point: BuildKit starts it with the LLBBridge on stdin/stdout.
// Nothing here may write to stdout; logs go to stderr.
import { openBridge } from "../gateway/bridge.js";
import type { BridgeClient } from "../gateway/client.js";
import { statusFromError } from "../gateway/errors.js";
import { parseFrontendEnv, requestId } from "../gateway/opts.js";
import { log } from "../log.js";
import { answerSubrequest } from "../subrequests/handle.js";
import { runBuild } from "./build.js";

async function main(): Promise<void> {
  const started = performance.now();
  const bridge = await openBridge();
  const phases: Record<string, number> = { startup: started, bridge: performance.now() - started };
  const rpcs = timeRpcs(bridge.client, started);
  try {
    const fe = parseFrontendEnv(process.env);
    const env = { opts: fe.opts, sessionId: fe.sessionId, workerPlatforms: fe.workers[0]?.platforms ?? [] };
    const request = requestId(fe.opts);
    // --call outline/targets/check: answer with metadata only, nothing is built.
    if (request !== undefined) return await answerSubrequest(bridge.client, bridge.caps, env, request);
    const outcome = await runBuild(bridge.client, bridge.caps, env);
    await bridge.client.returnResult(outcome.result);
    phases.return = performance.now() - started;
  } catch (err) {
    log.debug({ err }, "build failed");
    await bridge.client.returnError(statusFromError(err));
  } finally {
    // The bench reads this line: wall time and peak memory of the frontend itself.
    // startup: process start to main; bridge, return: ms after main; rpcs: per method
    // [calls, summed ms, first start, last end].
    log.debug(
      {
        ms: Math.round(performance.now() - started),
        maxRssKiB: process.resourceUsage().maxRSS,
        timeOrigin: Math.round(performance.timeOrigin),
        phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
        rpcs: Object.fromEntries(Object.entries(rpcs).map(([k, v]) => [k, v.map(Math.round)])),
      },
      "frontend done",
    );
    bridge.close();
  }
}

/** At debug level, counts and times the bridge calls the build makes (for `npm run bench`). */
function timeRpcs(client: BridgeClient, t0: number): Record<string, number[]> {
  const rpcs: Record<string, number[]> = {};
  if (!log.isLevelEnabled("debug")) return rpcs;
  const target = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const m of ["inputs", "solve", "readFile", "readDir", "statFile", "resolveImageConfig"]) {
    const f = target[m]?.bind(client);
    if (!f) continue;
    target[m] = async (...args) => {
      const s = performance.now();
      try {
        return await f(...args);
      } finally {
        const r = (rpcs[m] ??= [0, 0, s - t0, 0]);
        r[0] = (r[0] ?? 0) + 1;
        r[1] = (r[1] ?? 0) + performance.now() - s;
        r[3] = performance.now() - t0;
      }
    };
  }
  return rpcs;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log.error({ err }, "frontend could not talk to BuildKit");
    process.exit(1);
  },
);
