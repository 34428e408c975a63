// `npm run bench:farm`: the build farm's throughput and overhead (issue 12). Starts the
// second engine (deploy/engine2.sh) and `scratchkit farm serve` over both engines, then
// measures: jobs/min for examples/hello through the farm vs `docker buildx build` run
// the same number of times in a row on one engine; the service's own overhead per job
// (submit → first build event, last build event → result); its peak RSS (VmHWM) with
// SCRATCHKIT_BENCH_FARM_JOBS (default 20) jobs submitted at once.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { tarDirectory } from "../src/farm/client.js";
import { type JobEvent, JobState } from "../src/farm/types.js";
import { DOCKER, FRONTEND, TOOLCHAIN } from "../test/e2e/engine.js";
import {
  allEvents,
  bundleCli,
  dockerOn,
  FarmProcess,
  startEngine2,
  stopEngine2,
  waitJob,
  writeConfig,
} from "../test/e2e/farm-harness.js";

const N = Number(process.env.SCRATCHKIT_BENCH_FARM_JOBS ?? 20);
const HELLO = "examples/hello";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function peakRssMiB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kb) / 102.4) / 10;
}

/** submit → first build event, last build event → result event, for one job run alone. */
function overhead(submitMs: number, events: JobEvent[]): { before: number; after: number } {
  const build = events.filter((e) => e.vertex || e.log || e.progress);
  const result = events.find((e) => e.result);
  return {
    before: Number(build[0]?.timeMs) - submitMs,
    after: Number(result?.timeMs) - Number(build.at(-1)?.timeMs),
  };
}

async function main(): Promise<void> {
  const engine2 = startEngine2();
  dockerOn(engine2, ["image", "inspect", FRONTEND]).code === 0 ||
    execFileSync("bash", ["-c", `"${DOCKER}" save "${FRONTEND}" | "${DOCKER}" -H "${engine2}" load -q`]);
  const farm = new FarmProcess(bundleCli(), writeConfig(engine2, 7390));
  await farm.start();
  const client = () => farm.client();
  try {
    // Warm both engines' caches once, as the buildx side is warm too.
    const c = client();
    for (let i = 0; i < 2; i++)
      await waitJob(client, (await c.submit({ upload: true }, tarDirectory(HELLO))).id as string);

    const t0 = performance.now();
    const jobs = await Promise.all(
      Array.from({ length: N }, () => c.submit({ upload: true }, tarDirectory(HELLO))),
    );
    const done = await Promise.all(jobs.map((j) => waitJob(client, j.id as string)));
    const farmMs = performance.now() - t0;
    const failed = done.filter((d) => d.state !== JobState.SUCCEEDED).length;
    const rss = peakRssMiB(farm.child?.pid as number);

    const b0 = performance.now();
    for (let i = 0; i < N; i++)
      // The manifest is not named Dockerfile: buildx needs -f, as the farm passes it.
      execFileSync(
        DOCKER,
        [
          "buildx",
          "build",
          "-q",
          "-f",
          `${HELLO}/scratchkit.yaml`,
          "--build-arg",
          `BUILDKIT_SYNTAX=${FRONTEND}`,
          HELLO,
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
    const buildxMs = performance.now() - b0;

    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = Date.now();
      const job = await c.submit({ upload: true }, tarDirectory(HELLO));
      await waitJob(client, job.id as string);
      const o = overhead(s, await allEvents(c, job.id as string));
      before.push(o.before);
      after.push(o.after);
    }
    c.close();
    const perMin = (ms: number) => Math.round((N / (ms / 60_000)) * 10) / 10;
    const report = {
      jobs: N,
      failed,
      farmJobsPerMin: perMin(farmMs),
      buildxJobsPerMin: perMin(buildxMs),
      ratio: Math.round((buildxMs / farmMs) * 100) / 100,
      submitToBuildStartMs: median(before),
      buildEndToResultMs: median(after),
      peakRssMiB: rss,
      toolchain: TOOLCHAIN,
      // The machine is shared: the 1/5/15-minute load averages at the end of the run.
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await farm.stop();
    stopEngine2("down");
  }
}

await main();
