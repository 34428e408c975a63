// npm run fuzz:elf [-- --count N --seed S --workers W --readelf-sample K]
//
// Mutation fuzzing of the bounded ELF reader (src/elf) from real gcc-built seeds (static,
// static-pie, dynamic, shared library, glibc static with NSS) plus crafted ELF32/big-endian
// seeds (./elf-mutate.ts makes the mutants). Every input runs through inspectElf (and a sample
// through the NSS scan) in worker threads, watched for hangs. Reported:
//   crashes          inspectElf threw or a worker died                         (must be 0)
//   hangs            no progress from a worker for 10 s, or one input > 2 s    (must be 0)
//   budget           more than 64 KiB requested from the source, or bytesRead over budget,
//                    or the NSS scan over its own cap                          (must be 0)
//   wrong verdicts   (a) a mutation that left the ELF header, program headers, PT_INTERP,
//                    PT_DYNAMIC, .dynstr and section header table untouched (and did not
//                    truncate) changed the seed's verdict; (b) on a sample of mutants we call
//                    static/static-pie, `readelf -l -d` sees an interpreter or DT_NEEDED.
// Exit 1 on any crash, hang or budget violation; wrong verdicts are listed with repro data.
//
// Run through scripts/run-ts.mjs, which bundles this file (and src/elf) with esbuild: the
// bundle is both the main thread and the workers' entry.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import {
  bufferSource,
  HAZARD_BUDGET,
  inspectElf,
  needsHazardScan,
  type Report,
  scanGlibcHazard,
  type Verdict,
} from "../../src/elf/index.js";
import { craftElf, EM } from "../unit/fixtures/elf/craft.js";
import {
  type Mutation,
  materialize,
  mulberry32,
  mutate,
  overlaySource,
  regionsOf,
  type Seed,
  touches,
} from "./elf-mutate.js";

const BUDGET = 65536;
const HANG_MS = 2000;
const WATCHDOG_MS = 10_000;
const AMD64 = { os: "linux", architecture: "amd64" };

interface Problem {
  seed?: string;
  mutation?: Mutation;
  [key: string]: unknown;
}

interface Sample {
  seed: number;
  verdict: Verdict;
  mutation: Mutation;
}

interface WorkerResult {
  done: number;
  kinds: Record<string, number>;
  /** Runs whose mutation left every parsed region alone. */
  controlled: number;
  scans: number;
  maxScan: number;
  /** Most bytes one input requested from its source. */
  maxRead: number;
  slowest: number;
  crashes: Problem[];
  hangs: Problem[];
  budget: Problem[];
  wrong: Problem[];
  samples: Sample[];
  worker?: number;
}

interface WorkerInput {
  seeds: Seed[];
  count: number;
  rngSeed: number;
  worker: number;
}

type WorkerMessage =
  | { type: "progress"; done: number; current: { seed: string; mutation: Mutation } }
  | { type: "done"; result: WorkerResult };

function emptyResult(): WorkerResult {
  return {
    done: 0,
    kinds: {},
    controlled: 0,
    scans: 0,
    maxScan: 0,
    maxRead: 0,
    slowest: 0,
    crashes: [],
    hangs: [],
    budget: [],
    wrong: [],
    samples: [],
  };
}

// ---------------------------------------------------------------------------------------------
// main thread

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "100000" },
      seed: { type: "string", default: String(Date.now() % 1e9) },
      workers: { type: "string", default: String(Math.max(1, Math.min(4, availableParallelism()))) },
      "readelf-sample": { type: "string", default: "300" },
    },
  });
  const count = Number(values.count);
  const rngSeed = Number(values.seed);
  const nWorkers = Number(values.workers);
  const tmp = mkdtempSync(join(tmpdir(), "scratchkit-fuzz-"));
  try {
    const seeds = buildSeeds(tmp);
    const verdicts: Verdict[] = [];
    for (const s of seeds) verdicts.push((await inspectElf(bufferSource(s.bytes))).verdict);
    console.log(`fuzz:elf seed=${rngSeed} inputs=${count} workers=${nWorkers} seeds:`);
    seeds.forEach((s, i) =>
      console.log(`  ${s.name.padEnd(22)} ${String(s.bytes.length).padStart(8)} bytes  ${verdicts[i]?.kind}`),
    );

    const t0 = performance.now();
    const per = Math.ceil(count / nWorkers);
    const results = await Promise.all(
      Array.from({ length: nWorkers }, (_, i) =>
        runWorker({
          seeds,
          count: Math.max(0, Math.min(per, count - i * per)),
          rngSeed: rngSeed + i * 7919,
          worker: i,
        }),
      ),
    );
    const elapsed = performance.now() - t0;
    const sum = (k: "done" | "controlled" | "scans") => results.reduce((n, r) => n + r[k], 0);
    const max = (k: "maxScan" | "maxRead" | "slowest") => Math.max(...results.map((r) => r[k]));
    const all = (k: "crashes" | "hangs" | "budget" | "wrong") => results.flatMap((r) => r[k]);

    const samples = results.flatMap((r) => r.samples).slice(0, Number(values["readelf-sample"]));
    const readelfWrong = readelfCheck(tmp, seeds, samples);

    const kinds: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + v;
    const [crashes, hangs, budget, wrong] = [all("crashes"), all("hangs"), all("budget"), all("wrong")];
    const lines = [
      "",
      "summary",
      `  inputs run            ${sum("done")} in ${(elapsed / 1000).toFixed(1)} s`,
      `  verdicts              ${Object.entries(kinds)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      `  untouched-region runs ${sum("controlled")} (verdict must equal the seed's)`,
      `  NSS scans             ${sum("scans")} (max bytes ${max("maxScan")})`,
      `  max bytes requested   ${max("maxRead")} (budget ${BUDGET})`,
      `  slowest input         ${max("slowest").toFixed(1)} ms`,
      `  crashes               ${crashes.length}`,
      `  hangs                 ${hangs.length}`,
      `  budget violations     ${budget.length}`,
      `  wrong verdicts        ${wrong.length} (untouched regions), ${readelfWrong.length} of ${samples.length} (readelf sample)`,
    ];
    for (const l of lines) console.log(l);
    for (const x of [...crashes, ...hangs, ...budget, ...wrong, ...readelfWrong].slice(0, 10)) {
      console.log(`  - ${JSON.stringify(x).slice(0, 400)}`);
    }
    const bad = crashes.length + hangs.length + budget.length;
    process.exitCode = bad > 0 ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function buildSeeds(dir: string): Seed[] {
  const c =
    '#include <stdio.h>\n#include <math.h>\nint main(int c, char **v) { printf("%f %s\\n", sqrt(c), v[0]); return 0; }\n';
  const gai =
    '#include <netdb.h>\nint main(int c, char **v) { struct addrinfo *r; return getaddrinfo(c > 1 ? v[1] : "x", 0, 0, &r); }\n';
  writeFileSync(join(dir, "a.c"), c);
  writeFileSync(join(dir, "gai.c"), gai);
  writeFileSync(join(dir, "lib.c"), "int f(int x) { return x + 1; }\n");
  const gcc = (name: string, args: string[]) => {
    execFileSync("gcc", ["-O1", ...args, "-o", join(dir, name)], {
      cwd: dir,
      stdio: ["ignore", "ignore", "ignore"],
    });
    return { name, bytes: new Uint8Array(readFileSync(join(dir, name))) };
  };
  const seeds = [
    gcc("static", ["-static", "a.c", "-lm"]),
    gcc("static-pie", ["-static-pie", "-fPIE", "a.c", "-lm"]),
    gcc("dynamic-pie", ["-fPIE", "-pie", "a.c", "-lm"]),
    gcc("dynamic-rpath", ["-no-pie", "-Wl,--no-as-needed,-rpath,/opt/x", "a.c", "-lm"]),
    gcc("shared", ["-shared", "-fPIC", "lib.c"]),
    gcc("glibc-static-nss", ["-static", "-s", "gai.c"]),
    {
      name: "crafted-mips32be-dyn",
      bytes: craftElf({
        elfClass: 32,
        le: false,
        machine: EM.MIPS,
        interp: "/lib/ld.so.1",
        needed: ["libc.so.6"],
      }).bytes,
    },
    {
      name: "crafted-arm32-static",
      bytes: craftElf({ elfClass: 32, le: true, machine: EM.ARM, flags: 0x05000400 }).bytes,
    },
    {
      name: "crafted-ppc64be-pie",
      bytes: craftElf({
        elfClass: 64,
        le: false,
        machine: EM.PPC64,
        type: 3,
        flags1: 0x08000000,
        debug: true,
        sections: "symtab",
      }).bytes,
    },
  ];
  return seeds.map((s) => ({ ...s, regions: regionsOf(s.bytes) }));
}

function runWorker(data: WorkerInput): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: data });
    let last: { done: number; current: unknown } = { done: 0, current: null };
    let lastProgress = performance.now();
    const hangs: Problem[] = [];
    const timer = setInterval(() => {
      if (performance.now() - lastProgress > WATCHDOG_MS) {
        hangs.push({ worker: data.worker, stuckOn: last.current });
        clearInterval(timer);
        void w.terminate();
      }
    }, 500);
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") {
        last = m;
        lastProgress = performance.now();
      } else {
        clearInterval(timer);
        resolve({ ...m.result, hangs: [...m.result.hangs, ...hangs] });
      }
    });
    const died = (err: unknown) => {
      clearInterval(timer);
      const crashes = err ? [{ worker: data.worker, error: String(err), on: last.current }] : [];
      resolve({ ...emptyResult(), done: last.done, crashes, hangs });
    };
    w.on("error", died);
    w.on("exit", (code) => {
      if (code !== 0 && hangs.length === 0) died(new Error(`worker exited with ${code}`));
      else if (hangs.length > 0) died(null);
    });
  });
}

/** Recreate the sampled mutants and ask readelf whether something we call static needs a loader. */
function readelfCheck(dir: string, seeds: Seed[], samples: Sample[]): Problem[] {
  if (spawnSync("readelf", ["--version"]).status !== 0) {
    console.log("  (readelf not found: skipping the readelf cross-check)");
    return [];
  }
  const wrong: Problem[] = [];
  const path = join(dir, "mutant");
  for (const s of samples) {
    const seed = seeds[s.seed] as Seed;
    writeFileSync(path, materialize(seed.bytes, s.mutation));
    const out = spawnSync("readelf", ["-l", "-d", "-W", path], { encoding: "utf8" }).stdout ?? "";
    const interp = /\[Requesting program interpreter: ([^\]]+)\]/.exec(out)?.[1];
    const needed = [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    if (interp || needed.length > 0) {
      wrong.push({
        kind: "readelf",
        seed: seed.name,
        ours: s.verdict,
        readelf: { interp, needed },
        mutation: s.mutation,
      });
    }
  }
  return wrong;
}

// ---------------------------------------------------------------------------------------------
// worker

function sameOutcome(a: Report, b: Report): boolean {
  return (
    JSON.stringify(a.verdict) === JSON.stringify(b.verdict) &&
    JSON.stringify(a.archMismatch) === JSON.stringify(b.archMismatch) &&
    a.stripped === b.stripped
  );
}

async function work(): Promise<void> {
  const { seeds, count, rngSeed, worker } = workerData as WorkerInput;
  const port = parentPort;
  if (!port) throw new Error("fuzz:elf: work() runs in a worker thread");
  const rand = mulberry32(rngSeed);
  const out = emptyResult();
  const base: Report[] = [];
  for (const s of seeds) base.push(await inspectElf(bufferSource(s.bytes), { platform: AMD64 }));
  for (let i = 0; i < count; i++) {
    const si = Math.floor(rand() * seeds.length);
    const seed = seeds[si] as Seed;
    const mutation = mutate(rand, seed, seeds);
    if (i % 500 === 0)
      port.postMessage({ type: "progress", done: i, current: { seed: seed.name, mutation } });
    let requested = 0;
    const src = overlaySource(seed.bytes, mutation, (n) => {
      requested += n;
    });
    const t0 = performance.now();
    let r: Report;
    try {
      r = await inspectElf(src, { platform: AMD64 });
    } catch (e) {
      out.crashes.push({ seed: seed.name, error: String((e as Error)?.stack ?? e), mutation });
      continue;
    }
    const ms = performance.now() - t0;
    out.slowest = Math.max(out.slowest, ms);
    if (ms > HANG_MS) out.hangs.push({ seed: seed.name, ms, mutation });
    out.maxRead = Math.max(out.maxRead, requested);
    if (requested > BUDGET || r.bytesRead > BUDGET || requested !== r.bytesRead) {
      out.budget.push({ seed: seed.name, requested, bytesRead: r.bytesRead, mutation });
    }
    const kind = r.verdict.kind;
    out.kinds[kind] = (out.kinds[kind] ?? 0) + 1;

    // (a) untouched parsed regions → same verdict as the seed
    if (mutation.truncate === undefined && !touches(mutation.patches, seed.regions)) {
      out.controlled++;
      const b = base[si] as Report;
      if (!sameOutcome(r, b)) {
        out.wrong.push({
          kind: "untouched-regions",
          seed: seed.name,
          seedVerdict: b.verdict,
          got: r.verdict,
          mutation,
        });
      }
    }
    // (b) sample for readelf in the main thread
    if ((kind === "static" || kind === "static-pie") && rand() < 0.05 && out.samples.length < 200) {
      out.samples.push({ seed: si, verdict: r.verdict, mutation });
    }
    // the NSS scan on a sample of glibc statics: bounded, never throws
    if (needsHazardScan(r) && rand() < 0.03) {
      let scanRequested = 0;
      const scanSrc = overlaySource(seed.bytes, mutation, (n) => {
        scanRequested += n;
      });
      try {
        const h = await scanGlibcHazard(scanSrc);
        out.scans++;
        out.maxScan = Math.max(out.maxScan, h.bytesRead);
        if (h.bytesRead > HAZARD_BUDGET || scanRequested > HAZARD_BUDGET)
          out.budget.push({ seed: seed.name, scan: h.bytesRead, scanRequested, mutation });
      } catch (e) {
        out.crashes.push({ seed: seed.name, scanError: String((e as Error)?.stack ?? e), mutation });
      }
    }
    out.done++;
  }
  port.postMessage({ type: "done", result: { ...out, worker } } satisfies WorkerMessage);
}

// Last, so every const above is initialised before either side starts.
if (isMainThread) await main();
else await work();
