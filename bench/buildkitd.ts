// 7. scratchkit on a standalone buildkitd (deploy/buildkitd.sh, daemon "bench"): how long the
// daemon takes to answer, the first build on an empty daemon (it pulls the frontend and the
// toolchain from the local registry), and cold (--no-cache) and cached builds of hello, with the
// engine's cold build of the same manifest alongside. Skipped, with the reason, without binaries.
import {
  type Buildkitd,
  buildctl,
  buildkitdMissing,
  frontendArgs,
  purgeBuildkitd,
  pushForBuildkitd,
  startBuildkitd,
  stopBuildkitd,
} from "../src/engine/buildkitd.js";
import { helloContext } from "./fixtures.js";
import { FRONTEND, median, mustBuild, RUNS, round, type Section, TOOLCHAIN } from "./lib.js";

const DAEMON = "bench";

function hello(bk: Buildkitd, context: string, extra: string[] = []): number {
  const r = buildctl(bk, [...frontendArgs(FRONTEND, context), ...extra], context);
  if (r.code !== 0) throw new Error(`buildctl build on buildkitd failed:\n${r.output.slice(-4000)}`);
  return round(r.ms);
}

export function buildkitd(): Section {
  const missing = buildkitdMissing(DAEMON);
  if (missing) {
    return {
      rows: [{ section: "buildkitd", metric: "skipped", value: "yes", note: missing }],
      details: { skipped: missing },
    };
  }
  const ctx = helloContext("buildkitd");
  try {
    // An empty daemon: the first build pulls the frontend and the toolchain.
    purgeBuildkitd(DAEMON);
    const firstStart = startBuildkitd(DAEMON);
    pushForBuildkitd([FRONTEND, TOOLCHAIN]);
    const first = hello(firstStart, ctx);
    const starts: number[] = [];
    const ready: number[] = [];
    let bk = firstStart;
    for (let i = 0; i < RUNS; i++) {
      stopBuildkitd(DAEMON);
      bk = startBuildkitd(DAEMON);
      starts.push(round(bk.ms));
      ready.push(bk.readyMs);
    }
    const cold: number[] = [];
    const engineCold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(hello(bk, ctx, ["--no-cache"]));
      engineCold.push(round(mustBuild(ctx, { file: "scratchkit.yaml", noCache: true }).ms));
      warm.push(hello(bk, ctx));
    }
    const ratio = round(median(cold) / median(engineCold), 3);
    return {
      rows: [
        { section: "buildkitd", metric: "daemon ready (launch to answer)", value: median(ready), unit: "ms" },
        {
          section: "buildkitd",
          metric: "start script median",
          value: median(starts),
          unit: "ms",
          note: "sha256 check of the unpacked binaries, registry check, launch, first answer",
        },
        { section: "buildkitd", metric: "first build, empty daemon", value: first, unit: "ms" },
        { section: "buildkitd", metric: "cold build median", value: median(cold), unit: "ms" },
        { section: "buildkitd", metric: "engine cold build median", value: median(engineCold), unit: "ms" },
        {
          section: "buildkitd",
          metric: "ratio buildkitd/engine cold",
          value: ratio,
          note: "buildkitd: buildctl --frontend gateway.v0 (no forwarding); engine: buildx through # syntax= (dockerfile.v0 forwards)",
        },
        { section: "buildkitd", metric: "cached build median", value: median(warm), unit: "ms" },
      ],
      details: {
        startMs: starts,
        readyMs: ready,
        firstBuildMs: first,
        coldMs: cold,
        engineColdMs: engineCold,
        warmMs: warm,
      },
    };
  } finally {
    // The bench daemon's store (the toolchain, ~600 MB) is not kept.
    purgeBuildkitd(DAEMON);
  }
}
