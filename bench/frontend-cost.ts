// 4. Frontend cost: the frontend's own wall time (main to Return) and peak RSS, as it reports
// them at debug level in the daemon log; for hello and for a manifest with 100 artifacts.
// Plus LLB generation in-process (parse + plan + graph + marshal) for the same manifests.
import { manifestDefinition } from "../src/graph/definition.js";
import { loadManifest } from "../src/plan/manifest.js";
import { helloContext, helloManifest, MANY, manyContext, manyManifest } from "./fixtures.js";
import { type Build, isDone, median, mustBuild, type Row, RUNS, round, type Section } from "./lib.js";

export interface FrontendDone {
  ms: number;
  maxRssKiB: number;
  timeOrigin?: number;
  phases?: Record<string, number>;
  rpcs?: Record<string, number[]>;
}

export function frontendDone(b: Build): FrontendDone | undefined {
  return b.frontendLines.find(isDone) as FrontendDone | undefined;
}

function measure(label: string, ctx: string): { rows: Row[]; done: FrontendDone[]; builds: Build[] } {
  const opts = { file: "scratchkit.yaml", expectFrontendDone: true };
  mustBuild(ctx, opts); // cold: compile once, not counted
  const builds: Build[] = [];
  for (let i = 0; i < RUNS; i++) builds.push(mustBuild(ctx, opts));
  const done = builds.map(frontendDone).filter((d): d is FrontendDone => d !== undefined);
  if (done.length === 0) {
    return {
      rows: [
        {
          section: "frontend",
          metric: `${label}: frontend done line`,
          value: "missing",
          note: "no debug line in the daemon log: is the frontend image built from this tree?",
        },
      ],
      done,
      builds,
    };
  }
  const startup = done.map((d) => d.phases?.startup).filter((x): x is number => x !== undefined);
  return {
    rows: [
      {
        section: "frontend",
        metric: `${label}: main to Return (warm)`,
        value: median(done.map((d) => d.ms)),
        unit: "ms",
      },
      {
        section: "frontend",
        metric: `${label}: peak RSS`,
        value: round(median(done.map((d) => d.maxRssKiB)) / 1024, 1),
        unit: "MiB",
      },
      ...(startup.length
        ? [
            {
              section: "frontend",
              metric: `${label}: process start to main`,
              value: median(startup),
              unit: "ms",
            },
          ]
        : []),
      {
        section: "frontend",
        metric: `${label}: whole warm build`,
        value: round(median(builds.map((b) => b.ms))),
        unit: "ms",
      },
    ],
    done,
    builds,
  };
}

/** Median time of `fn` over enough iterations to be stable, plus its first (cold JIT) call. */
function timeInProcess(fn: () => void): { firstMs: number; medianMs: number; iterations: number } {
  let t = performance.now();
  fn();
  const firstMs = performance.now() - t;
  const xs: number[] = [];
  const until = performance.now() + 1000;
  while (xs.length < 20 || (performance.now() < until && xs.length < 2000)) {
    t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return { firstMs: round(firstMs, 2), medianMs: round(median(xs), 3), iterations: xs.length };
}

function llbRows(label: string, text: string): { row: Row[]; detail: ReturnType<typeof timeInProcess> } {
  const platform = { os: "linux", architecture: "amd64" };
  const detail = timeInProcess(() => {
    manifestDefinition(loadManifest(text, "scratchkit.yaml"), { platform });
  });
  return {
    row: [
      {
        section: "frontend",
        metric: `${label}: LLB generation in-process (parse+plan+marshal)`,
        value: detail.medianMs,
        unit: "ms",
        note: `first call ${detail.firstMs} ms`,
      },
    ],
    detail,
  };
}

export function frontendCost(): Section {
  const hello = measure("hello", helloContext("frontend"));
  const many = measure(`${MANY} artifacts`, manyContext());
  const llbHello = llbRows("hello", helloManifest());
  const llbMany = llbRows(`${MANY} artifacts`, manyManifest());
  return {
    rows: [...hello.rows, ...llbHello.row, ...many.rows, ...llbMany.row],
    details: {
      hello: hello.done,
      many: many.done,
      llb: { hello: llbHello.detail, many: llbMany.detail },
    },
    builds: { hello: hello.builds, many: many.builds },
  };
}
