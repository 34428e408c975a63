// The c preset compiles through ccache (a shared cache mount) in parallel: after one .c file is
// edited, the program must be byte-identical to a --no-cache build of the same sources with the
// same SOURCE_DATE_EPOCH (ccache and the parallel compile must not change the output), and run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildx, context, manifest, suiteProblem, TOOLCHAIN } from "./engine.js";

const problem = suiteProblem();
const outs: string[] = [];

const mod = (i: number, k: number) => `unsigned f${i}(unsigned x) { return x * ${k}u + ${i}u; }\n`;

describe.skipIf(problem !== undefined)("c preset: ccache and parallel compiles", () => {
  afterAll(() => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
  });

  it("an edited file's rebuild is byte-identical to a --no-cache build, and runs", () => {
    const files: Record<string, string> = {
      "main.c":
        '#include <stdio.h>\nunsigned f0(unsigned), f1(unsigned), f2(unsigned), f3(unsigned);\nint main(void) { printf("%u\\n", f0(1) + f1(2) + f2(3) + f3(4)); return 0; }\n',
      "scratchkit.yaml": manifest(
        "preset: c",
        "name: sum",
        `build: {image: ${TOOLCHAIN}, package-manager: apt}`,
      ),
    };
    // A salt in every file: this test's objects are in no one's ccache yet.
    const salt = Date.now() % 1_000_000;
    for (let i = 0; i < 4; i++) files[`m${i}.c`] = mod(i, salt + i);
    const dir = context(files);
    const build = (...extra: string[]) => {
      const out = mkdtempSync(join(tmpdir(), "scratchkit-e2e-ccache-"));
      outs.push(out);
      const r = buildx(
        [
          "--network=host",
          "--build-arg",
          "SOURCE_DATE_EPOCH=1700000000",
          "-f",
          "scratchkit.yaml",
          "--output",
          `type=local,dest=${out}`,
          ...extra,
          ".",
        ],
        dir,
      );
      expect(r.code, r.output).toBe(0);
      return readFileSync(join(out, "sum"));
    };
    build();
    writeFileSync(join(dir, "m2.c"), mod(2, salt + 100));
    const edited = build();
    const cold = build("--no-cache");
    expect(edited.equals(cold)).toBe(true);
    const expected =
      [0, 1, 2, 3].reduce((s, i) => s + (i + 1) * (i === 2 ? salt + 100 : salt + i) + i, 0) >>> 0;
    const out = outs[outs.length - 1] as string;
    expect(execFileSync(join(out, "sum"), { encoding: "utf8" })).toBe(`${expected}\n`);
  }, 600_000);
});
