// `npm run bench`: scratchkit against the Dockerfile way on the same engine (issue 5). Prints a
// table and writes the same as JSON (bench/results/latest.json). Knobs: SCRATCHKIT_BENCH_RUNS
// (default 7), SCRATCHKIT_BENCH_ONLY (comma list of sections), SCRATCHKIT_FRONTEND_IMAGE,
// SCRATCHKIT_BUILDKIT_DIR (where dockerfile-frontend.xz is: the official frontend the bench wraps
// and compares with; default ../shared/buildkit/), SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND (an image
// to use as that anchor instead), SCRATCHKIT_BENCH_COMPARE (frontend images, e.g. main's, timed
// beside FRONTEND in the warm section's interleaved run). The top-level `summary` holds issue 13's figures.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { buildkitd } from "./buildkitd.js";
import { cold } from "./cold.js";
import { frontendCost } from "./frontend-cost.js";
import { imageSize } from "./image-size.js";
import { incremental } from "./incremental.js";
import {
  BENCH_FRONTEND,
  cleanup,
  DOCKER,
  docker,
  ensureBenchFrontend,
  FRONTEND,
  type Row,
  RUNS,
  type Section,
  TOOLCHAIN,
} from "./lib.js";
import { profile } from "./profile.js";
import { project } from "./project.js";
import { staticCheck } from "./static-check.js";
import { summary } from "./summary.js";
import { warm } from "./warm.js";

const OUT = process.env.SCRATCHKIT_BENCH_OUT ?? "bench/results/latest.json";

const sections: Array<[string, () => Section | Promise<Section>]> = [
  ["cold", cold],
  ["warm", warm],
  ["incremental", incremental],
  ["frontend", frontendCost],
  ["size", imageSize],
  ["static", staticCheck],
  ["buildkitd", buildkitd],
  ["project", project],
];

function machine() {
  const cpu =
    readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model;
  let engine = "unknown";
  let buildx = "unknown";
  try {
    engine = docker(["version", "--format", "{{.Server.Version}}"]).trim();
    buildx = docker(["buildx", "version"]).trim();
  } catch {
    // reported as unknown
  }
  return {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpu,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: execFileSync("uname", ["-r"], { encoding: "utf8" }).trim(),
    node: process.version,
    engine,
    buildx,
  };
}

function format(v: Row["value"], unit?: string): string {
  const s = typeof v === "number" ? String(v) : v;
  return unit ? `${s} ${unit}` : s;
}

export function table(rows: Row[]): string {
  const head = ["section", "metric", "value", "target", "ok"];
  const body = rows.map((r) => [
    r.section,
    r.metric,
    format(r.value, r.unit),
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "yes" : "MISSED",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.section} / ${r.metric}: ${r.note}`);
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line), "", "notes:", ...notes].join(
    "\n",
  );
}

async function main(): Promise<void> {
  const only = process.env.SCRATCHKIT_BENCH_ONLY?.split(",").map((s) => s.trim());
  const started = new Date();
  const m = machine();
  process.stderr.write(
    `bench: ${RUNS} runs, frontend ${FRONTEND} (debug copy ${BENCH_FRONTEND}), toolchain ${TOOLCHAIN}, docker ${DOCKER}\n`,
  );
  ensureBenchFrontend();
  const results: Record<string, Section> = {};
  try {
    for (const [name, run] of sections) {
      if (only && !only.includes(name)) continue;
      const t = performance.now();
      process.stderr.write(`bench: ${name} ...`);
      results[name] = await run();
      process.stderr.write(` ${Math.round(performance.now() - t)} ms\n`);
    }
  } finally {
    cleanup();
  }
  const rows = Object.values(results).flatMap((s) => s.rows);
  const missed = rows.filter((r) => r.met === false);
  const prof = profile(results);
  const sum = summary(results);
  const doc = {
    summary: sum,
    date: started.toISOString(),
    machine: m,
    config: { runs: RUNS, frontend: FRONTEND, toolchain: TOOLCHAIN },
    rows,
    missed: missed.map((r) => `${r.section} / ${r.metric}`),
    profile: prof,
    details: Object.fromEntries(Object.entries(results).map(([k, s]) => [k, s.details])),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);

  const out = [
    `machine: ${m.nproc} CPUs (${m.cpu}), ${m.ramGiB} GiB RAM, kernel ${m.kernel}, Docker Engine ${m.engine}, node ${m.node}`,
    "",
    table(rows),
    "",
    missed.length ? `targets missed: ${doc.missed.join("; ")}` : "all targets met",
    "",
    "summary:",
    ...Object.entries(sum).map(([k, v]) => `  ${k.padEnd(30)} ${v ?? "not measured"}`),
    "",
    "profile (medians, ms):",
    ...prof.lines.map((l) => `  ${l}`),
    "",
    `written to ${OUT}`,
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  cleanup();
  process.exit(1);
});
