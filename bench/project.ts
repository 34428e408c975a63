// 7. A real-sized project (issue 13 §2): a generated C program of about 200 files, built cold and
// then after one .c file is edited, by scratchkit's `preset: c` (each file compiled on its own,
// one job per CPU, through ccache on its cache mount, then one link) and by the seed-style
// Dockerfile (`COPY . .` then one gcc of every file) through the official frontend image. Both
// use a toolchain with ccache (the bench derives one when the toolchain lacks it). Cold builds
// are also timed for the same preset with ccache off (CCACHE_DISABLE=1: what ccache costs when
// nothing is cached) and for the old single-gcc command. The edited program must come out
// byte-identical to a --no-cache build of the single-gcc command with the same SOURCE_DATE_EPOCH.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BENCH_FRONTEND,
  benchImage,
  docker,
  madeImages,
  median,
  mustBuild,
  round,
  type Section,
  stepLogs,
  TOOLCHAIN,
  tempDir,
  writeFiles,
} from "./lib.js";
import { officialFrontend } from "./official-frontend.js";

export const FILES = 200;
export const INCREMENTAL_TARGET = 0.3;
/** Cold builds may be at most this much slower than the same preset without ccache. */
export const COLD_OVERHEAD_TARGET = 1.05;
/**
 * Rounds; the order alternates (A B C D, then D C B A), so an even count puts every variant in
 * every position equally often (with 3 rounds scratchkit's preset came first twice and its
 * ccache-less twin never), and a median of 4 drops a slow outlier on either side.
 */
const RUNS = Math.max(1, Number.parseInt(process.env.SCRATCHKIT_BENCH_PROJECT_RUNS ?? "4", 10) || 4);
const EPOCH = "1700000000";
const COMPILE = "musl-gcc -Os -static -s -o /out/proj $(find . -name '*.c' | sort)";

/** The toolchain with ccache: TOOLCHAIN itself when it has it, else a derived image (apt, host network). */
function ccacheToolchain(): string {
  const has = docker([
    "run",
    "--rm",
    "--network=none",
    "--entrypoint",
    "sh",
    TOOLCHAIN,
    "-c",
    "command -v ccache || true",
  ]).trim();
  if (has) return TOOLCHAIN;
  const tag = benchImage("toolchain-ccache");
  const dir = writeFiles(tempDir("toolchain"), {
    Dockerfile: `FROM ${TOOLCHAIN}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ccache >/dev/null && rm -rf /var/lib/apt/lists/*\n`,
  });
  docker(["buildx", "build", "--network=host", "-q", "-t", tag, dir]);
  madeImages.add(tag);
  return tag;
}

/** Module i: a few loops of integer work, so each file costs a real compile. */
function moduleSource(i: number, salt: number): string {
  return `#include "proj.h"
static unsigned mix_${i}(unsigned x) { for (int k = 0; k < 8; k++) x = (x * 2654435761u) ^ (x >> 13) ^ ${i + salt}u; return x; }
static unsigned table_${i}[64];
unsigned f_${i}(unsigned x) {
  for (int k = 0; k < 64; k++) table_${i}[k] = mix_${i}(x + k);
  unsigned s = 0;
  for (int k = 0; k < 64; k++) s += table_${i}[k] % ${97 + i}u;
  switch (x % 5) { case 0: s ^= 1; break; case 1: s ^= 3; break; case 2: s += 7; break; default: s -= 11; }
  return s;
}
`;
}

function projectFiles(): Record<string, string> {
  const n = FILES - 1;
  const files: Record<string, string> = {
    "proj.h": Array.from({ length: n }, (_, i) => `unsigned f_${i}(unsigned);`)
      .join("\n")
      .concat("\n"),
    "main.c": `#include <stdio.h>\n#include "proj.h"\nint main(void) { unsigned s = 0;\n${Array.from({ length: n }, (_, i) => `  s += f_${i}(${i});`).join("\n")}\n  printf("%u\\n", s); return 0; }\n`,
  };
  for (let i = 0; i < n; i++) files[`m${String(i).padStart(3, "0")}.c`] = moduleSource(i, 0);
  return files;
}

function manifest(image: string, extra = ""): string {
  return `# syntax=${BENCH_FRONTEND}
name: proj
preset: c
build:
  image: ${image}
  package-manager: none
${extra}`;
}

function dockerfile(syntax: string, image: string): string {
  return `# syntax=${syntax}
FROM ${image} AS build
WORKDIR /src
COPY . .
RUN mkdir -p /out && ${COMPILE}

FROM scratch
COPY --from=build /out/proj /proj
ENTRYPOINT ["/proj"]
`;
}

/** Builds into a local directory; returns the time, the program's bytes and the preset's ccache line. */
function buildTo(ctx: string, file: string, noCache = false): { ms: number; bytes: Buffer; hits?: string } {
  const out = tempDir("project-out");
  const b = mustBuild(ctx, {
    file,
    noCache,
    extra: ["--build-arg", `SOURCE_DATE_EPOCH=${EPOCH}`, "--output", `type=local,dest=${out}`],
  });
  const hits = stepLogs(b.output).match(/ccache: (\d+ of \d+) compiles were cache hits/)?.[1];
  return { ms: round(b.ms), bytes: readFileSync(join(out, "proj")), ...(hits ? { hits } : {}) };
}

const med = (xs: number[]) => round(median(xs));

export function project(): Section {
  const official = officialFrontend();
  if (!official) {
    return {
      rows: [
        {
          section: "project",
          metric: "200-file C project",
          value: "not measured",
          note: "no official Dockerfile frontend image",
        },
      ],
      details: {},
    };
  }
  const image = ccacheToolchain();
  const ctx = writeFiles(tempDir("project"), {
    ...projectFiles(),
    "scratchkit.yaml": manifest(image),
    // The same recipe with ccache off: parallel compiles, nothing cached.
    "noccache.yaml": manifest(image, "  env: {CCACHE_DISABLE: '1'}\n"),
    // The c preset's command before ccache: one gcc of every file.
    "plain.yaml": manifest(image, `  run: ${COMPILE}\n`),
    Dockerfile: dockerfile(official.image, image),
    ".dockerignore": "*.yaml\nDockerfile\n",
  });
  const edit = (salt: number) => writeFileSync(join(ctx, "m100.c"), moduleSource(100, salt));
  const cold = { sk: [] as number[], noccache: [] as number[], plain: [] as number[], df: [] as number[] };
  const inc = { sk: [] as number[], df: [] as number[] };
  const hits: string[] = [];
  let identical = true;
  const mismatches: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A fresh salt in every file's constants: nothing of this round is in any cache (ccache's
    // included), so "cold" is cold for both sides.
    const salt = 1000 * (Date.now() % 100000) + i;
    for (let k = 0; k < FILES - 1; k++)
      writeFileSync(join(ctx, `m${String(k).padStart(3, "0")}.c`), moduleSource(k, salt));
    const order = i % 2 === 0 ? ["sk", "df", "noccache", "plain"] : ["plain", "noccache", "df", "sk"];
    for (const who of order) {
      if (who === "sk") cold.sk.push(buildTo(ctx, "scratchkit.yaml").ms);
      if (who === "df") cold.df.push(buildTo(ctx, "Dockerfile").ms);
      if (who === "noccache") cold.noccache.push(buildTo(ctx, "noccache.yaml").ms);
      if (who === "plain") cold.plain.push(buildTo(ctx, "plain.yaml").ms);
    }
    // Every side built this salt once: BuildKit's (and ccache's) caches are warm for the edit.
    buildTo(ctx, "scratchkit.yaml");
    buildTo(ctx, "Dockerfile");
    edit(salt + 1);
    const skEdit = buildTo(ctx, "scratchkit.yaml");
    inc.sk.push(skEdit.ms);
    hits.push(skEdit.hits ?? "none printed");
    inc.df.push(buildTo(ctx, "Dockerfile").ms);
    const reference = buildTo(ctx, "plain.yaml", true);
    if (!skEdit.bytes.equals(reference.bytes)) {
      identical = false;
      mismatches.push(`run ${i}: ${skEdit.bytes.length} vs ${reference.bytes.length} bytes`);
    }
  }
  const incrementalRatio = round(med(inc.sk) / med(inc.df), 3);
  const coldOverhead = round(med(cold.sk) / med(cold.noccache), 3);
  const coldVsSingle = round(med(cold.sk) / med(cold.plain), 3);
  return {
    rows: [
      {
        section: "project",
        metric: `${FILES} files, cold: scratchkit preset: c (ccache, nproc jobs)`,
        value: med(cold.sk),
        unit: "ms",
      },
      {
        section: "project",
        metric: `${FILES} files, cold: preset: c with CCACHE_DISABLE=1`,
        value: med(cold.noccache),
        unit: "ms",
      },
      {
        section: "project",
        metric: `${FILES} files, cold: the old single-gcc command`,
        value: med(cold.plain),
        unit: "ms",
      },
      {
        section: "project",
        metric: `${FILES} files, cold: Dockerfile (official frontend)`,
        value: med(cold.df),
        unit: "ms",
      },
      {
        section: "project",
        metric: "cold: preset: c / the same without ccache",
        value: coldOverhead,
        target: `<= ${COLD_OVERHEAD_TARGET}`,
        met: coldOverhead <= COLD_OVERHEAD_TARGET,
      },
      {
        section: "project",
        metric: "cold: preset: c / the old single-gcc command",
        value: coldVsSingle,
        target: `<= ${COLD_OVERHEAD_TARGET}`,
        met: coldVsSingle <= COLD_OVERHEAD_TARGET,
      },
      { section: "project", metric: "one .c edited: scratchkit preset: c", value: med(inc.sk), unit: "ms" },
      {
        section: "project",
        metric: "one .c edited: ccache hits (preset's log)",
        value: hits.join(", "),
        target: `${FILES - 1} of ${FILES}`,
        met: hits.every((h) => h === `${FILES - 1} of ${FILES}`),
      },
      {
        section: "project",
        metric: "one .c edited: Dockerfile (official frontend)",
        value: med(inc.df),
        unit: "ms",
      },
      {
        section: "project",
        metric: "one .c edited: ratio scratchkit/Dockerfile",
        value: incrementalRatio,
        target: `<= ${INCREMENTAL_TARGET}`,
        met: incrementalRatio <= INCREMENTAL_TARGET,
      },
      {
        section: "project",
        metric: "edited build = cold --no-cache build, byte for byte",
        value: identical ? "yes" : "no",
        target: "yes",
        met: identical,
        ...(mismatches.length ? { note: mismatches.join("; ") } : {}),
      },
    ],
    details: {
      runs: RUNS,
      toolchain: image,
      cold,
      incremental: inc,
      incrementalRatio,
      coldOverhead,
      coldVsSingle,
      hits,
      identical,
    },
  };
}
