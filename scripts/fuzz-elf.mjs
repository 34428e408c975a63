// npm run fuzz:elf [-- --count N --seed S --workers W]
//
// Mutation fuzzing of the bounded ELF reader (src/elf) from real gcc-built seeds (static,
// static-pie, dynamic, shared library, glibc static with NSS) plus crafted ELF32/big-endian
// seeds. Mutations: bit flips, byte sets, truncations, splices, and header / program header /
// dynamic entry fields overwritten with boundary values, aimed mostly at the bytes the reader
// parses. Every input runs through inspectElf (and a sample through the NSS scan) in worker
// threads, watched for hangs. Reported:
//   crashes          inspectElf threw or a worker died                         (must be 0)
//   hangs            no progress from a worker for 10 s, or one input > 2 s    (must be 0)
//   budget           more than 64 KiB requested from the source, or bytesRead over budget,
//                    or the NSS scan over its own cap                          (must be 0)
//   wrong verdicts   (a) a mutation that left the ELF header, program headers, PT_INTERP,
//                    PT_DYNAMIC, .dynstr and section header table untouched (and did not
//                    truncate) changed the seed's verdict; (b) on a sample of mutants we call
//                    static/static-pie, `readelf -l -d` sees an interpreter or DT_NEEDED.
// Exit 1 on any crash, hang or budget violation; wrong verdicts are listed with repro data.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { build } from "esbuild";

const BUDGET = 65536;
const HANG_MS = 2000;
const WATCHDOG_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// main thread

async function main() {
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
    const lib = join(tmp, "elf.mjs");
    await build({
      stdin: {
        contents:
          'export * from "./src/elf/index.ts";\nexport { craftElf, EM } from "./test/unit/fixtures/elf/craft.ts";\n',
        resolveDir: process.cwd(),
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: lib,
      logLevel: "warning",
    });
    const elf = await import(lib);
    const seeds = buildSeeds(tmp, elf);
    for (const s of seeds) s.verdict = (await elf.inspectElf(elf.bufferSource(s.bytes))).verdict;
    console.log(`fuzz:elf seed=${rngSeed} inputs=${count} workers=${nWorkers} seeds:`);
    for (const s of seeds)
      console.log(`  ${s.name.padEnd(22)} ${String(s.bytes.length).padStart(8)} bytes  ${s.verdict.kind}`);

    const t0 = performance.now();
    const per = Math.ceil(count / nWorkers);
    const results = await Promise.all(
      Array.from({ length: nWorkers }, (_, i) =>
        runWorker({
          lib,
          seeds,
          count: Math.min(per, count - i * per),
          rngSeed: rngSeed + i * 7919,
          worker: i,
        }),
      ),
    );
    const sum = (k) => results.reduce((n, r) => n + r[k], 0);
    const all = (k) => results.flatMap((r) => r[k]);
    const elapsed = performance.now() - t0;

    const samples = all("samples").slice(0, Number(values["readelf-sample"]));
    const readelfWrong = readelfCheck(tmp, seeds, samples);

    const kinds = {};
    for (const r of results) for (const [k, v] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + v;
    const crashes = all("crashes");
    const hangs = all("hangs");
    const budget = all("budget");
    const wrong = all("wrong");
    console.log("\nsummary");
    console.log(`  inputs run            ${sum("done")} in ${(elapsed / 1000).toFixed(1)} s`);
    console.log(
      `  verdicts              ${Object.entries(kinds)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
    console.log(`  untouched-region runs ${sum("controlled")} (verdict must equal the seed's)`);
    console.log(
      `  NSS scans             ${sum("scans")} (max bytes ${Math.max(...results.map((r) => r.maxScan))})`,
    );
    console.log(`  max bytes requested   ${Math.max(...results.map((r) => r.maxRead))} (budget ${BUDGET})`);
    console.log(`  slowest input         ${Math.max(...results.map((r) => r.slowest)).toFixed(1)} ms`);
    console.log(`  crashes               ${crashes.length}`);
    console.log(`  hangs                 ${hangs.length}`);
    console.log(`  budget violations     ${budget.length}`);
    console.log(
      `  wrong verdicts        ${wrong.length} (untouched regions), ${readelfWrong.length} of ${samples.length} (readelf sample)`,
    );
    for (const x of [...crashes, ...hangs, ...budget, ...wrong, ...readelfWrong].slice(0, 10)) {
      console.log(`  - ${JSON.stringify(x).slice(0, 400)}`);
    }
    const bad = crashes.length + hangs.length + budget.length;
    process.exitCode = bad > 0 ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function buildSeeds(dir, elf) {
  const c =
    '#include <stdio.h>\n#include <math.h>\nint main(int c, char **v) { printf("%f %s\\n", sqrt(c), v[0]); return 0; }\n';
  const gai =
    '#include <netdb.h>\nint main(int c, char **v) { struct addrinfo *r; return getaddrinfo(c > 1 ? v[1] : "x", 0, 0, &r); }\n';
  writeFileSync(join(dir, "a.c"), c);
  writeFileSync(join(dir, "gai.c"), gai);
  writeFileSync(join(dir, "lib.c"), "int f(int x) { return x + 1; }\n");
  const gcc = (name, args) => {
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
      bytes: elf.craftElf({
        elfClass: 32,
        le: false,
        machine: elf.EM.MIPS,
        interp: "/lib/ld.so.1",
        needed: ["libc.so.6"],
      }).bytes,
    },
    {
      name: "crafted-arm32-static",
      bytes: elf.craftElf({ elfClass: 32, le: true, machine: elf.EM.ARM, flags: 0x05000400 }).bytes,
    },
    {
      name: "crafted-ppc64be-pie",
      bytes: elf.craftElf({
        elfClass: 64,
        le: false,
        machine: elf.EM.PPC64,
        type: 3,
        flags1: 0x08000000,
        debug: true,
        sections: "symtab",
      }).bytes,
    },
  ];
  return seeds.map((s) => ({ ...s, regions: regionsOf(s.bytes) }));
}

function runWorker(data) {
  return new Promise((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: data });
    let last = { done: 0, current: null };
    let lastProgress = performance.now();
    const hangs = [];
    const timer = setInterval(() => {
      if (performance.now() - lastProgress > WATCHDOG_MS) {
        hangs.push({ worker: data.worker, stuckOn: last.current });
        clearInterval(timer);
        w.terminate();
      }
    }, 500);
    w.on("message", (m) => {
      if (m.type === "progress") {
        last = m;
        lastProgress = performance.now();
      } else if (m.type === "done") {
        clearInterval(timer);
        resolve({ ...m.result, hangs: [...m.result.hangs, ...hangs] });
      }
    });
    const died = (err) => {
      clearInterval(timer);
      resolve({
        done: last.done,
        kinds: {},
        controlled: 0,
        scans: 0,
        maxScan: 0,
        maxRead: 0,
        slowest: 0,
        crashes: err ? [{ worker: data.worker, error: String(err), on: last.current }] : [],
        hangs,
        budget: [],
        wrong: [],
        samples: [],
      });
    };
    w.on("error", died);
    w.on("exit", (code) => {
      if (code !== 0 && hangs.length === 0) died(new Error(`worker exited with ${code}`));
      else if (hangs.length > 0) died(null);
    });
  });
}

/** Recreate the sampled mutants and ask readelf whether something we call static needs a loader. */
function readelfCheck(dir, seeds, samples) {
  if (spawnSync("readelf", ["--version"]).status !== 0) {
    console.log("  (readelf not found: skipping the readelf cross-check)");
    return [];
  }
  const wrong = [];
  const path = join(dir, "mutant");
  for (const s of samples) {
    const seed = seeds[s.seed];
    writeFileSync(path, materialize(seed.bytes, s.mutation));
    const r = spawnSync("readelf", ["-l", "-d", "-W", path], { encoding: "utf8" });
    const out = r.stdout ?? "";
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

async function work() {
  const { lib, seeds, count, rngSeed, worker } = workerData;
  const elf = await import(lib);
  const rand = mulberry32(rngSeed);
  const out = {
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
  const base = [];
  for (const s of seeds)
    base.push(
      await elf.inspectElf(elf.bufferSource(s.bytes), { platform: { os: "linux", architecture: "amd64" } }),
    );
  for (let i = 0; i < count; i++) {
    const si = Math.floor(rand() * seeds.length);
    const seed = seeds[si];
    const mutation = mutate(rand, seed, seeds);
    if (i % 500 === 0)
      parentPort.postMessage({ type: "progress", done: i, current: { seed: seed.name, mutation } });
    let requested = 0;
    const src = overlaySource(seed.bytes, mutation, (n) => {
      requested += n;
    });
    const t0 = performance.now();
    let r;
    try {
      r = await elf.inspectElf(src, { platform: { os: "linux", architecture: "amd64" } });
    } catch (e) {
      out.crashes.push({ seed: seed.name, error: String(e?.stack ?? e), mutation });
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
      const b = base[si];
      const same =
        JSON.stringify(r.verdict) === JSON.stringify(b.verdict) &&
        JSON.stringify(r.archMismatch) === JSON.stringify(b.archMismatch) &&
        r.stripped === b.stripped;
      if (!same)
        out.wrong.push({
          kind: "untouched-regions",
          seed: seed.name,
          seedVerdict: b.verdict,
          got: r.verdict,
          mutation,
        });
    }
    // (b) sample for readelf in the main thread
    if ((kind === "static" || kind === "static-pie") && rand() < 0.05 && out.samples.length < 200) {
      out.samples.push({ seed: si, verdict: r.verdict, mutation });
    }
    // the NSS scan on a sample of glibc statics: bounded, never throws
    if (elf.needsHazardScan(r) && rand() < 0.03) {
      let scanRequested = 0;
      const scanSrc = overlaySource(seed.bytes, mutation, (n) => {
        scanRequested += n;
      });
      try {
        const h = await elf.scanGlibcHazard(scanSrc);
        out.scans++;
        out.maxScan = Math.max(out.maxScan, h.bytesRead);
        if (h.bytesRead > elf.HAZARD_BUDGET || scanRequested > elf.HAZARD_BUDGET)
          out.budget.push({ seed: seed.name, scan: h.bytesRead, scanRequested, mutation });
      } catch (e) {
        out.crashes.push({ seed: seed.name, scanError: String(e?.stack ?? e), mutation });
      }
    }
    out.done++;
  }
  parentPort.postMessage({ type: "done", result: { ...out, worker } });
}

// ---------------------------------------------------------------------------------------------
// mutations

/** A mutant is the seed plus byte patches and an optional truncation, applied lazily on read. */
function overlaySource(bytes, m, charge) {
  const size = m.truncate ?? bytes.length;
  return {
    size,
    async read(offset, length) {
      charge(length);
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const outBuf = bytes.slice(offset, end);
      for (const p of m.patches) {
        const a = Math.max(p.at, offset);
        const b = Math.min(p.at + p.bytes.length, end);
        for (let k = a; k < b; k++) outBuf[k - offset] = p.bytes[k - p.at];
      }
      return outBuf;
    },
  };
}

function materialize(bytes, m) {
  const out = bytes.slice(0, m.truncate ?? bytes.length);
  for (const p of m.patches)
    for (let k = 0; k < p.bytes.length && p.at + k < out.length; k++) out[p.at + k] = p.bytes[k];
  return out;
}

/** Whether a patch hits a region the verdict depends on (notes only feed build-id / ABI tag). */
function touches(patches, regions) {
  const parsed = regions.filter((r) => r.name !== "note");
  return patches.some((p) =>
    parsed.some((r) => p.at < r.offset + r.length && r.offset < p.at + p.bytes.length),
  );
}

const BOUNDARY = [
  0n,
  1n,
  2n,
  3n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x10000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
];

function mutate(rand, seed, seeds) {
  const n = seed.bytes.length;
  const patches = [];
  let truncate;
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const op = rand();
    if (op < 0.25) {
      const at = target(rand, seed);
      const b = seed.bytes[at] ^ (1 << Math.floor(rand() * 8));
      patches.push({ at, bytes: [b] });
    } else if (op < 0.45) {
      const at = target(rand, seed);
      const vals = [0, 0xff, 0x7f, 0x80, 1, Math.floor(rand() * 256)];
      patches.push({ at, bytes: [vals[Math.floor(rand() * vals.length)]] });
    } else if (op < 0.55) {
      const cuts = [
        Math.floor(rand() * 128),
        Math.floor(rand() * 4096),
        Math.floor(rand() * 65536),
        Math.floor(rand() * n),
        n - 1 - Math.floor(rand() * 64),
      ];
      truncate = Math.max(0, Math.min(n, cuts[Math.floor(rand() * cuts.length)]));
    } else if (op < 0.7) {
      const other = seeds[Math.floor(rand() * seeds.length)].bytes;
      const len = 1 + Math.floor(rand() * 256);
      const from = Math.floor(rand() * Math.max(1, other.length - len));
      const at = target(rand, seed);
      patches.push({ at, bytes: Array.from(other.subarray(from, from + len)).slice(0, Math.max(0, n - at)) });
    } else {
      patches.push(fieldOverwrite(rand, seed));
    }
  }
  return {
    patches: patches.filter((p) => p.bytes.length > 0 && p.at < n),
    ...(truncate !== undefined ? { truncate } : {}),
  };
}

/** An offset, biased to what the reader parses: headers, tables, dynamic, strings, notes. */
function target(rand, seed) {
  const x = rand();
  const n = seed.bytes.length;
  const rs = seed.regions;
  if (x < 0.7 && rs.length > 0) {
    const r = rs[Math.floor(rand() * rs.length)];
    return Math.min(n - 1, r.offset + Math.floor(rand() * Math.max(1, r.length)));
  }
  if (x < 0.9) return Math.floor(rand() * Math.min(n, 65536));
  return Math.floor(rand() * n);
}

/** Overwrite one ELF header, program header or dynamic field with a boundary value. */
function fieldOverwrite(rand, seed) {
  const b = seed.bytes;
  const is64 = b[4] === 2;
  const le = b[5] !== 2;
  const w = is64 ? 8 : 4;
  const fields = [
    [4, 1],
    [5, 1],
    [16, 2],
    [18, 2],
    [24, w],
    [24 + w, w],
    [24 + 2 * w, w],
    [24 + 3 * w + 6, 2],
    [24 + 3 * w + 8, 2],
    [24 + 3 * w + 10, 2],
    [24 + 3 * w + 12, 2],
  ];
  const phoff = Number(readUint(b, 24 + w, w, le));
  const phnum = Number(readUint(b, 24 + 3 * w + 8, 2, le));
  const phent = is64 ? 56 : 32;
  if (phnum > 0 && phoff + phnum * phent <= b.length) {
    const p = phoff + Math.floor(rand() * phnum) * phent;
    const pf = is64
      ? [
          [0, 4],
          [8, 8],
          [16, 8],
          [32, 8],
          [40, 8],
        ]
      : [
          [0, 4],
          [4, 4],
          [8, 4],
          [16, 4],
          [20, 4],
        ];
    for (let k = 0; k < 3; k++) fields.push(...pf.map(([o, s]) => [p + o, s]));
  }
  const dyn = seed.regions.find((r) => r.name === "dynamic");
  if (dyn) {
    const ents = Math.floor(dyn.length / (2 * w));
    const e = dyn.offset + Math.floor(rand() * Math.max(1, ents)) * 2 * w;
    for (let k = 0; k < 3; k++) fields.push([e, w], [e + w, w]);
  }
  const [at, size] = fields[Math.floor(rand() * fields.length)];
  const v = BOUNDARY[Math.floor(rand() * BOUNDARY.length)] & ((1n << BigInt(size * 8)) - 1n);
  const bytes = [];
  for (let i = 0; i < size; i++) {
    const shift = BigInt(le ? i * 8 : (size - 1 - i) * 8);
    bytes.push(Number((v >> shift) & 0xffn));
  }
  return { at, bytes };
}

function readUint(b, at, size, le) {
  let v = 0n;
  for (let i = 0; i < size; i++) {
    const byte = BigInt(b[at + i] ?? 0);
    v |= le ? byte << BigInt(8 * i) : byte << BigInt(8 * (size - 1 - i));
  }
  return v;
}

/** The byte ranges inspectElf parses, from the (valid) seed: header, phdrs, interp, dynamic, .dynstr, shdrs. */
function regionsOf(b) {
  const is64 = b[4] === 2;
  const le = b[5] !== 2;
  const w = is64 ? 8 : 4;
  const ehsize = is64 ? 64 : 52;
  const regions = [{ name: "ehdr", offset: 0, length: ehsize }];
  const phoff = Number(readUint(b, 24 + w, w, le));
  const shoff = Number(readUint(b, 24 + 2 * w, w, le));
  const phent = is64 ? 56 : 32;
  const phnum = Number(readUint(b, 24 + 3 * w + 8, 2, le));
  const shnum = Number(readUint(b, 24 + 3 * w + 12, 2, le));
  regions.push({ name: "phdrs", offset: phoff, length: phnum * phent });
  if (shoff > 0) regions.push({ name: "shdrs", offset: shoff, length: shnum * (is64 ? 64 : 40) });
  const loads = [];
  let strtab;
  let strsz;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phent;
    const type = Number(readUint(b, p, 4, le));
    const off = Number(readUint(b, p + (is64 ? 8 : 4), w, le));
    const vaddr = readUint(b, p + (is64 ? 16 : 8), w, le);
    const filesz = Number(readUint(b, p + (is64 ? 32 : 16), w, le));
    if (type === 1) loads.push({ off, vaddr, filesz });
    if (type === 3) regions.push({ name: "interp", offset: off, length: filesz });
    if (type === 4) regions.push({ name: "note", offset: off, length: filesz });
    if (type === 2) {
      regions.push({ name: "dynamic", offset: off, length: filesz });
      for (let e = off; e + 2 * w <= off + filesz; e += 2 * w) {
        const tag = readUint(b, e, w, le);
        const val = readUint(b, e + w, w, le);
        if (tag === 5n) strtab = val;
        if (tag === 10n) strsz = Number(val);
        if (tag === 0n) break;
      }
    }
  }
  if (strtab !== undefined) {
    const l = loads.find((x) => strtab >= x.vaddr && strtab < x.vaddr + BigInt(x.filesz));
    if (l) regions.push({ name: "dynstr", offset: l.off + Number(strtab - l.vaddr), length: strsz ?? 4096 });
  }
  return regions;
}

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Last, so every const above is initialised before either side starts.
if (isMainThread) await main();
else await work();
