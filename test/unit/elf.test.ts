// Real toolchain outputs: verdicts cross-checked against readelf, plus the 50 MB bounded-read check.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSource, inspectFile } from "../../src/elf/file-source.js";
import { type ByteSource, bufferSource, canShipInScratch, inspectElf } from "../../src/elf/index.js";
import { buildFixtures, FIXTURES, hasTool, readelfFacts, sh } from "./fixtures/elf/toolchain.js";

const HAVE_GCC = hasTool("gcc") && hasTool("readelf");
if (!HAVE_GCC) {
  console.warn(
    "\n!!! SKIPPING real-binary ELF tests: gcc and/or readelf not found on PATH. " +
      "Static-linkage verification is NOT exercised against real toolchain output. !!!\n",
  );
}
const amd64 = { os: "linux", architecture: "amd64" };
const HOST_IS_AMD64 = process.arch === "x64";

/** Counts what really reaches the source, so bytesRead cannot under-report. */
function counting(src: ByteSource) {
  const calls: Array<[number, number]> = [];
  const wrapped: ByteSource = {
    size: src.size,
    read(o, n) {
      calls.push([o, n]);
      return src.read(o, n);
    },
  };
  return { src: wrapped, calls, total: () => calls.reduce((a, [, n]) => a + n, 0) };
}

describe.skipIf(!HAVE_GCC)("ELF inspection of gcc outputs", () => {
  let dir: string;
  let paths: Map<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scratchkit-elf-"));
    paths = buildFixtures(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const f of FIXTURES) {
    it(`${f.name}: verdict ${f.expect}, agrees with readelf`, async () => {
      const path = paths.get(f.name) ?? "";
      const truth = readelfFacts(path);
      const r = await inspectFile(path, { platform: amd64 });
      expect(r.verdict.kind).toBe(f.expect);
      expect(r.bytesRead).toBeLessThanOrEqual(65536);

      const v = r.verdict;
      const interp = v.kind === "dynamic" ? v.interpreter : undefined;
      const needed = v.kind === "dynamic" || v.kind === "shared-library" ? v.needed : [];
      expect(interp).toBe(truth.interpreter);
      expect(needed).toEqual(truth.needed);
      expect(r.rpath ?? []).toEqual(truth.rpath);
      expect(r.runpath ?? []).toEqual(truth.runpath);
      // the classification rule restated over readelf's facts
      if (f.expect === "static")
        expect(truth.hasDynamic || truth.interpreter || truth.type !== "EXEC").toBeFalsy();
      if (f.expect === "static-pie")
        expect([truth.type, truth.hasDynamic, truth.pieFlag]).toEqual(["DYN", true, true]);
      if (HOST_IS_AMD64 && "machine" in v) expect(v.machine).toBe("amd64");
      if (HOST_IS_AMD64) expect(r.archMismatch).toBeUndefined();
      expect(r.stripped).toBe(false);
      expect(r.buildId).toMatch(/^[0-9a-f]{16,}$/);
      // `file` prints the same build id
      if (hasTool("file")) expect(sh("file", ["-b", path], dir)).toContain(r.buildId);

      const ship = canShipInScratch(r);
      expect(ship.ok).toBe(f.expect === "static" || f.expect === "static-pie");
      if (f.expect === "dynamic") {
        expect(ship.reasons[0]).toBe(`dynamically linked: interpreter ${interp}, needs ${needed.join(", ")}`);
      }
    });
  }

  it("agrees with `file` on the linkage wording", async () => {
    if (!hasTool("file")) return console.warn("file(1) missing: skipping the `file` cross-check");
    const word: Record<string, RegExp> = {
      static: /statically linked/,
      "static-pie": /static-pie linked/,
      dynamic: /dynamically linked, interpreter/,
      "shared-library": /shared object/,
    };
    for (const f of FIXTURES) {
      const path = paths.get(f.name) ?? "";
      expect(sh("file", ["-b", path], dir), f.name).toMatch(word[f.expect] ?? /$^/);
    }
  });

  it("reports stripped after objcopy --strip-all, keeping the verdict", async () => {
    const src = paths.get("static") ?? "";
    const out = join(dir, "static-stripped");
    sh("objcopy", ["--strip-all", src, out], dir);
    const r = await inspectFile(out);
    expect(r.verdict).toEqual({
      kind: "static",
      machine: r.verdict.kind === "static" ? r.verdict.machine : "",
      pie: false,
    });
    expect(r.stripped).toBe(true);
  });

  it("reads the GNU ABI tag and coalesces reads (few source calls)", async () => {
    const buf = readFileSync(paths.get("dynamic-pie") ?? "");
    const c = counting(bufferSource(buf));
    const r = await inspectElf(c.src);
    expect(r.abiTag).toMatch(/^Linux \d+\.\d+\.\d+$/);
    expect(c.total()).toBe(r.bytesRead);
    expect(c.calls.length).toBeLessThanOrEqual(5);
    // no byte is fetched twice: the fetched ranges are disjoint
    const sorted = [...c.calls].sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < sorted.length; k++) {
      const [prevOff, prevLen] = sorted[k - 1] ?? [0, 0];
      expect(sorted[k]?.[0]).toBeGreaterThanOrEqual(prevOff + prevLen);
    }
  });

  it("works on a source that does not know its size", async () => {
    for (const name of ["static", "dynamic-pie", "shared"]) {
      const buf = readFileSync(paths.get(name) ?? "");
      const known = await inspectElf(bufferSource(buf));
      const inner = bufferSource(buf);
      const unknown = await inspectElf({ read: (o, n) => inner.read(o, n) });
      expect(unknown.verdict).toEqual(known.verdict);
      expect(unknown.bytesRead).toBeLessThanOrEqual(65536);
    }
  });

  it("flags an architecture mismatch against the target platform", async () => {
    const r = await inspectFile(paths.get("static") ?? "", {
      platform: { os: "linux", architecture: "arm64" },
    });
    expect(r.verdict.kind).toBe("static");
    expect(r.archMismatch).toEqual({ expected: "arm64", found: "amd64" });
    expect(canShipInScratch(r)).toEqual({
      ok: false,
      reasons: ["built for amd64, but the target platform is arm64"],
    });
    const alias = await inspectFile(paths.get("static") ?? "", {
      platform: { os: "linux", architecture: "x86_64" },
    });
    expect(alias.archMismatch).toBeUndefined();
  });

  it("classifies a shell script and a data file", async () => {
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh -e\necho hi\n");
    writeFileSync(join(dir, "env.py"), "#!  /usr/bin/env python3\nprint(1)\n");
    writeFileSync(join(dir, "data.bin"), Buffer.from([1, 2, 3, 0x7f, 0x45]));
    writeFileSync(join(dir, "empty"), "");
    expect((await inspectFile(join(dir, "run.sh"))).verdict).toEqual({
      kind: "script",
      interpreter: "/bin/sh",
    });
    expect((await inspectFile(join(dir, "env.py"))).verdict).toEqual({
      kind: "script",
      interpreter: "/usr/bin/env",
    });
    const data = await inspectFile(join(dir, "data.bin"));
    expect(data.verdict).toEqual({ kind: "not-elf" });
    expect(canShipInScratch(data).ok).toBe(true);
    expect((await inspectFile(join(dir, "empty"))).verdict).toEqual({ kind: "not-elf" });
    const script = canShipInScratch(await inspectFile(join(dir, "run.sh")));
    expect(script.ok).toBe(false);
    expect(script.reasons[0]).toContain("/bin/sh");
  });

  it("rejects every truncated copy of a real binary without throwing", async () => {
    for (const name of ["static", "static-pie", "dynamic-pie", "shared"]) {
      const buf = readFileSync(paths.get(name) ?? "");
      const lengths = [4, 5, 16, 40, 63, 64, 65, 100, 500, 1000, 4095, 4096, 4097, 10_000];
      lengths.push(buf.length >> 1, buf.length - 4096, buf.length - 65, buf.length - 1);
      for (const len of lengths) {
        const r = await inspectElf(bufferSource(buf.subarray(0, len)));
        expect(r.verdict.kind, `${name} cut at ${len}`).toBe("invalid");
        expect(r.bytesRead).toBeLessThanOrEqual(65536);
      }
      // too short for the magic: just bytes
      expect((await inspectElf(bufferSource(buf.subarray(0, 3)))).verdict.kind).toBe("not-elf");
    }
  });

  it("copies on disk too: truncated file through fileSource", async () => {
    const src = paths.get("static") ?? "";
    const out = join(dir, "cut");
    copyFileSync(src, out);
    const whole = readFileSync(src);
    writeFileSync(out, whole.subarray(0, whole.length - 10));
    const fsrc = await fileSource(out);
    try {
      const r = await inspectElf(fsrc);
      expect(r.verdict.kind).toBe("invalid");
      if (r.verdict.kind === "invalid") expect(r.verdict.reason).toMatch(/truncated/);
    } finally {
      await fsrc.close();
    }
  });

  it("reads at most 64 KiB of a 50 MB static binary", async () => {
    writeFileSync(
      join(dir, "big.c"),
      "const char big[50 << 20] = {1};\nint main(int c, char **v) { (void)v; return big[c * 4096]; }\n",
    );
    const out = join(dir, "big");
    sh("gcc", ["-static", "-O1", "-o", out, "big.c"], dir);
    const f = await fileSource(out);
    try {
      expect(f.size).toBeGreaterThan(50 << 20);
      const c = counting(f);
      const t0 = performance.now();
      const r = await inspectElf(c.src, { platform: amd64 });
      const ms = performance.now() - t0;
      console.log(
        `[elf] 50 MB static binary (${f.size} bytes): bytesRead=${r.bytesRead} in ${c.calls.length} reads, ${ms.toFixed(2)} ms`,
      );
      expect(r.verdict.kind).toBe("static");
      expect(r.bytesRead).toBeLessThanOrEqual(65536);
      expect(c.total()).toBe(r.bytesRead);
      expect(r.stripped).toBe(false);
      expect(canShipInScratch(r).ok).toBe(HOST_IS_AMD64);
    } finally {
      await f.close();
    }
  }, 120_000);
});

describe.skipIf(!hasTool("musl-gcc", "-v"))("a small program is judged in one read", () => {
  it("reads a musl hello (under 32 KiB, size known) whole in one call, the same verdict as page by page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scratchkit-elf-one-read-"));
    try {
      writeFileSync(
        join(dir, "hello.c"),
        '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
      );
      sh("musl-gcc", ["-static", "-Os", "-s", "-o", "hello", "hello.c"], dir);
      const bytes = readFileSync(join(dir, "hello"));
      expect(bytes.length).toBeLessThanOrEqual(32768);
      const calls: Array<[number, number]> = [];
      const counted = (size?: number): ByteSource => ({
        ...(size === undefined ? {} : { size }),
        read: async (o, n) => {
          calls.push([o, n]);
          return bytes.subarray(o, o + n);
        },
      });
      const whole = await inspectElf(counted(bytes.length));
      expect(calls).toEqual([[0, bytes.length]]);
      calls.length = 0;
      // Without a known size it still reads page by page (a 50 MB file must not be read whole).
      const paged = await inspectElf(counted());
      expect(calls.length).toBeGreaterThan(1);
      expect(whole.verdict).toEqual(paged.verdict);
      expect(whole.verdict.kind).toBe("static");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
