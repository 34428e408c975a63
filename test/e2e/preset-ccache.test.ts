// The c preset on the real engine (package-manager none on the toolchain with ccache added; the
// apt path is in sbom.test.ts): every source compiled on its own through ccache, whose
// directory is the cache mount scratchkit-ccache. After one file is edited, the rebuild must take
// the other files from ccache (the preset prints this build's own count from ccache's stats log)
// and the program must be byte-identical to a --no-cache build of the classic single-gcc command
// with the same SOURCE_DATE_EPOCH. A build image without ccache still builds, without a cache.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildx, context, manifest, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";

const problem = suiteProblem();
const { tag, cleanup } = tagger("ccache-");
const outs: string[] = [];

const EPOCH = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"];
/** The modules, the one with a space in its path last in sorted order. */
const MODULES = ["m0.c", "m1.c", "m2.c", "m3.c", "sub dir/m4 x.c"];
const mod = (i: number, k: number) => `unsigned f${i}(unsigned x) { return x * ${k}u + ${i}u; }\n`;
/** The sources as `find . -name '*.c' | sort` lists them (byte order): the link order. */
const sortedSources = ["main.c", ...MODULES].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const MAIN = `#include <stdio.h>
unsigned f0(unsigned), f1(unsigned), f2(unsigned), f3(unsigned), f4(unsigned);
int main(void) { printf("%u\\n", f0(1) + f1(2) + f2(3) + f3(4) + f4(5)); return 0; }
`;

/** A context whose files may be in subdirectories. */
function project(files: Record<string, string>): string {
  const dir = context({});
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function buildTo(dir: string, args: string[]): { output: string; program: Buffer; out: string } {
  const out = mkdtempSync(join(tmpdir(), "scratchkit-e2e-ccache-"));
  outs.push(out);
  const r = buildx([...EPOCH, ...args, "--output", `type=local,dest=${out}`, "."], dir);
  expect(r.code, r.output).toBe(0);
  return { output: r.output, program: readFileSync(join(out, "sum")), out };
}

describe.skipIf(problem !== undefined)("the c preset through ccache", () => {
  afterAll(() => {
    cleanup();
    for (const d of outs) rmSync(d, { recursive: true, force: true });
  });

  it("rebuilds an edited project from ccache's hits, byte-identical to a --no-cache single-gcc build", () => {
    // The toolchain with ccache added and nothing else changed (an apt step of the preset's
    // packages could also upgrade gcc or musl, and the reference must use the same compiler).
    const image = tag("toolchain");
    const img = context({
      Dockerfile: `FROM ${TOOLCHAIN}\nRUN command -v ccache || { apt-get update -qq && apt-get install -y -qq --no-install-recommends ccache && rm -rf /var/lib/apt/lists/*; }\n`,
    });
    const made = buildx(["--network=host", "-t", image, "--load", "."], img);
    expect(made.code, made.output).toBe(0);
    // A salt in every module: nothing of this run is in the engine's ccache yet.
    const salt = Date.now() % 1_000_000;
    const factors = MODULES.map((_, i) => salt + i);
    const files: Record<string, string> = {
      "main.c": `/* run ${salt} */\n${MAIN}`,
      "scratchkit.yaml": manifest(
        "preset: c",
        "name: sum",
        "build:",
        `  image: ${image}`,
        "  package-manager: none",
      ),
      // The classic recipe: one gcc of every file, in `find | sort` order, no ccache.
      "single.yaml": manifest(
        "name: sum",
        "build:",
        `  image: ${image}`,
        "  package-manager: none",
        `  run: musl-gcc -Os -static -s -o /out/sum ${sortedSources.map((m) => `'./${m}'`).join(" ")}`,
        "artifacts: [sum]",
      ),
    };
    MODULES.forEach((m, i) => {
      files[m] = mod(i, factors[i] as number);
    });
    const dir = project(files);
    const preset = ["-f", "scratchkit.yaml"];

    const cold = buildTo(dir, preset);
    expect(cold.output).toMatch(/^#\d+ [\d.]+ preset c: ccache: 0 of 6 compiles were cache hits$/m);

    factors[2] = salt + 100;
    writeFileSync(join(dir, "m2.c"), mod(2, salt + 100));
    const edited = buildTo(dir, preset);
    expect(edited.output).toMatch(/^#\d+ [\d.]+ preset c: ccache: 5 of 6 compiles were cache hits$/m);

    const reference = buildTo(dir, ["--no-cache", "-f", "single.yaml"]);
    expect(reference.output).not.toMatch(/preset c: ccache:/);
    expect(edited.program.equals(reference.program)).toBe(true);
    const expected = factors.reduce((s, k, i) => s + (i + 1) * k + i, 0) >>> 0;
    expect(execFileSync(join(edited.out, "sum"), { encoding: "utf8" })).toBe(`${expected}\n`);
  });

  it("builds without a cache when the build image has no ccache (package-manager none)", () => {
    const bare = tag("no-ccache");
    const img = context({ Dockerfile: `FROM ${TOOLCHAIN}\nRUN rm -f /usr/bin/ccache\n` });
    expect(buildx(["-t", bare, "--load", "."], img).code).toBe(0);
    const dir = project({
      "main.c": MAIN,
      ...Object.fromEntries(MODULES.map((m, i) => [m, mod(i, 7)])),
      "scratchkit.yaml": manifest("preset: c", "name: sum", `build: {image: ${bare}, package-manager: none}`),
    });
    const r = buildTo(dir, ["--no-cache", "-f", "scratchkit.yaml"]);
    expect(r.output).toMatch(
      /^#\d+ [\d.]+ preset c: the build image has no ccache: compiling without a cache$/m,
    );
    expect(r.output).not.toMatch(/^#\d+ [\d.]+ preset c: ccache:/m);
    const expected = [0, 1, 2, 3, 4].reduce((s, i) => s + (i + 1) * 7 + i, 0);
    expect(execFileSync(join(r.out, "sum"), { encoding: "utf8" })).toBe(`${expected}\n`);
  });
});
