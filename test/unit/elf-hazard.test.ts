// glibc NSS/dlopen hazard and non-fatal findings, on real gcc -static outputs built at test time.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSource } from "../../src/elf/file-source.js";
import {
  type ByteSource,
  bufferSource,
  HAZARD_CHUNK,
  inspectElf,
  NSS_MARKERS,
  needsHazardScan,
  scanGlibcHazard,
} from "../../src/elf/index.js";
import { assessArtifact, hazardFindings, hygieneFindings } from "../../src/verify/assess.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";
import { hasTool, sh } from "./fixtures/elf/toolchain.js";

const HAVE_GCC = hasTool("gcc") && hasTool("strip");
const HAVE_MUSL = hasTool("musl-gcc", "-v");
if (!HAVE_GCC) console.warn("\n!!! SKIPPING glibc hazard tests on real binaries: gcc/strip not found !!!\n");
if (!HAVE_MUSL) console.warn("musl-gcc not on this host: musl static is covered by test/e2e/gate.test.ts");

const amd64 = { os: "linux", architecture: "amd64" };
const HOST_IS_AMD64 = process.arch === "x64";

const SOURCES: Record<string, string> = {
  "gai.c":
    '#include <netdb.h>\nint main(int c, char **v) { struct addrinfo *r; return getaddrinfo(c > 1 ? v[1] : "localhost", 0, 0, &r); }\n',
  "pw.c": '#include <pwd.h>\nint main(void) { return getpwnam("root") == 0; }\n',
  "puts.c": '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
  "dl.c": '#include <dlfcn.h>\nint main(void) { return dlopen("libm.so.6", RTLD_NOW) == 0; }\n',
};

/** Counts reads so the scan's bytesRead cannot under-report. */
function counting(src: ByteSource) {
  let total = 0;
  let calls = 0;
  return {
    src: {
      size: src.size,
      async read(o: number, n: number) {
        calls++;
        const b = await src.read(o, n);
        total += b.length;
        return b;
      },
    } satisfies ByteSource,
    total: () => total,
    calls: () => calls,
  };
}

describe.skipIf(!HAVE_GCC)("glibc static binaries: the NSS/dlopen scan", () => {
  let dir: string;
  const bin = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scratchkit-nss-"));
    for (const [name, text] of Object.entries(SOURCES)) writeFileSync(join(dir, name), text);
    // gcc warns at link time ("Using 'getaddrinfo' in statically linked applications..."): expected.
    sh("gcc", ["-O1", "-static", "-o", "gai", "gai.c"], dir);
    sh("gcc", ["-O1", "-static-pie", "-fPIE", "-o", "gai-pie", "gai.c"], dir);
    sh("gcc", ["-O1", "-static", "-o", "pw", "pw.c"], dir);
    sh("gcc", ["-O1", "-static", "-o", "puts", "puts.c"], dir);
    sh("gcc", ["-O1", "-static", "-s", "-o", "puts-stripped", "puts.c"], dir);
    sh("gcc", ["-O1", "-static", "-o", "dl", "dl.c"], dir);
    sh("gcc", ["-O1", "-o", "gai-dynamic", "gai.c"], dir);
    if (HAVE_MUSL) sh("musl-gcc", ["-O1", "-static", "-o", "gai-musl", "gai.c"], dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails a glibc -static program calling getaddrinfo, explaining NSS and the musl fix", async () => {
    for (const name of ["gai", "gai-pie", "pw"]) {
      const f = await fileSource(bin(name));
      try {
        const a = await assessArtifact(f, { platform: amd64 });
        expect(a.report.abiTag, name).toMatch(/^Linux /);
        expect(needsHazardScan(a.report)).toBe(true);
        expect(a.hazard?.nss).toEqual(["libnss_", "nsswitch.conf", "_nss_"]);
        expect(a.hazard?.glibcConfirmed).toBe(true);
        expect(a.reasons[0]).toMatch(/^statically linked against glibc but uses NSS: it contains "libnss_"/);
        expect(a.reasons[0]).toContain("getaddrinfo()");
        expect(a.fix).toContain("musl-gcc -static");
        expect(a.fix).toContain("Alpine");
        expect(a.fix).toContain("allow-dlopen: true");
        // The scan is bounded and chunked; the verdict keeps its own 64 KiB budget.
        expect(a.report.bytesRead).toBeLessThanOrEqual(65536);
        expect(a.hazard?.bytesRead).toBeLessThanOrEqual(statSync(bin(name)).size);
        expect(a.hazard?.complete).toBe(true);
      } finally {
        await f.close();
      }
    }
  });

  it("turns the hazard into a warning with allow-dlopen", async () => {
    const f = await fileSource(bin("gai"));
    try {
      const a = await assessArtifact(f, { platform: amd64, allowDlopen: true });
      expect(a.reasons).toEqual([]);
      expect(a.findings.map((x) => x.kind)).toContain("nss");
    } finally {
      await f.close();
    }
  });

  it("passes a glibc -static program that only calls puts, scanning its .rodata only", async () => {
    const buf = readFileSync(bin("puts"));
    const c = counting(bufferSource(buf));
    const a = await assessArtifact(c.src, { platform: amd64 });
    expect(a.reasons).toEqual(HOST_IS_AMD64 ? [] : expect.anything());
    expect(a.hazard?.nss).toEqual([]);
    expect(a.hazard?.libraries).toEqual([]);
    expect(a.hazard?.complete).toBe(true);
    // Only .rodata (and the headers naming it), each byte once: every byte counted.
    expect(a.hazard?.bytesRead).toBeLessThan(buf.length / 4);
    expect(c.total()).toBe(a.bytesRead);
    expect(a.bytesRead).toBe(a.report.bytesRead + (a.hazard?.bytesRead ?? 0));
    console.log(`[elf] puts (glibc static, ${buf.length} bytes): NSS scan read ${a.hazard?.bytesRead} bytes`);
    expect(a.findings.map((x) => x.kind)).toEqual(["unstripped"]);
  });

  it("names the libraries a static glibc program dlopens", async () => {
    const a = await assessArtifact(bufferSource(readFileSync(bin("dl"))));
    expect(a.hazard?.nss).toEqual([]);
    expect(a.hazard?.libraries).toEqual(["libm.so.6"]);
    expect(a.reasons[0]).toContain("names shared libraries it may dlopen: it contains libm.so.6");
  });

  it("does not scan dynamic programs (they fail anyway) nor files without the GNU ABI tag", async () => {
    const dyn = await assessArtifact(bufferSource(readFileSync(bin("gai-dynamic"))));
    expect(dyn.hazard).toBeUndefined();
    expect(dyn.report.verdict.kind).toBe("dynamic");
    // A musl-like static ELF: no .note.ABI-tag, so no scan even with NSS strings inside.
    const crafted = craftElf({ elfClass: 64, le: true, machine: EM.X86_64 }).bytes;
    const withStrings = Buffer.concat([Buffer.from(crafted), Buffer.from("\0libnss_files.so.2\0")]);
    const musl = await assessArtifact(bufferSource(withStrings));
    expect(musl.report.verdict.kind).toBe("static");
    expect(musl.hazard).toBeUndefined();
    expect(musl.reasons).toEqual([]);
  });

  it.skipIf(!HAVE_MUSL)("musl static getaddrinfo ships (musl has no NSS)", async () => {
    const a = await assessArtifact(bufferSource(readFileSync(bin("gai-musl"))), { platform: amd64 });
    expect(a.hazard).toBeUndefined();
    expect(a.reasons).toEqual([]);
  });

  it("finds a marker split across two chunks, and respects the cap", async () => {
    const buf = readFileSync(bin("gai"));
    // the first marker in the file, cut in half by the chunk size (the first segment starts at 0)
    const [at, marker] = NSS_MARKERS.map((m) => [buf.indexOf(m), m] as const)
      .filter(([o]) => o >= 0)
      .sort((x, y) => x[0] - y[0])[0] ?? [-1, ""];
    expect(at).toBeGreaterThan(0);
    const split = await scanGlibcHazard(bufferSource(buf), { chunk: at + 3 });
    expect(split.nss).toContain(marker);
    const whole = await scanGlibcHazard(bufferSource(buf));
    expect(split.bytesRead).toBeLessThanOrEqual(whole.bytesRead + at + 3);
    // a cap below the marker: incomplete, and never more than the cap
    const capped = await scanGlibcHazard(bufferSource(buf), { budget: 4096, chunk: 1024 });
    expect(capped.bytesRead).toBe(4096);
    expect(capped.complete).toBe(false);
    expect(hazardFindings(capped).map((f) => f.kind)).toContain("scan-incomplete");
  });

  it("ends as incomplete, not as an error, when the source fails", async () => {
    const r = await scanGlibcHazard({
      read: async (o) => {
        if (o > 0) throw new Error("EIO");
        return new Uint8Array(HAZARD_CHUNK);
      },
    });
    expect(r).toMatchObject({ complete: false, nss: [] });
    expect(r.bytesRead).toBeLessThanOrEqual(HAZARD_CHUNK);
  });

  it("estimates the strip saving from section sizes, close to what strip really saves", async () => {
    const r = await inspectElf(bufferSource(readFileSync(bin("puts"))));
    expect(r.stripped).toBe(false);
    const saving = statSync(bin("puts")).size - statSync(bin("puts-stripped")).size;
    const est = r.strippableBytes ?? 0;
    console.log(`[elf] strip estimate ${est} bytes, real saving ${saving} bytes`);
    expect(est).toBeGreaterThan(saving * 0.8);
    expect(est).toBeLessThan(saving * 1.2 + 4096);
    const stripped = await inspectElf(bufferSource(readFileSync(bin("puts-stripped"))));
    expect(stripped.stripped).toBe(true);
    expect(stripped.strippableBytes).toBeUndefined();
    expect(hygieneFindings(stripped)).toEqual([]);
    expect(hygieneFindings(r)[0]?.short).toMatch(/^is not stripped: stripping saves about \d+ KiB$/);
  });

  it("reads a 50 MB static glibc binary's verdict in 64 KiB; the scan stops at the NSS marker", async () => {
    writeFileSync(
      join(dir, "big.c"),
      '#include <netdb.h>\nchar big[50 << 20] = {1};\nint main(int c, char **v) { struct addrinfo *r; (void)v; return big[c * 4096] + getaddrinfo("x", 0, 0, &r); }\n',
    );
    sh("gcc", ["-static", "-O1", "-o", "big", "big.c"], dir);
    const f = await fileSource(bin("big"));
    try {
      const t0 = performance.now();
      const r = await inspectElf(f, { platform: amd64 });
      const verdictMs = performance.now() - t0;
      const a = await assessArtifact(f, { platform: amd64 });
      console.log(
        `[elf] 50 MB glibc static (${f.size} bytes): verdict bytesRead=${r.bytesRead} ${verdictMs.toFixed(2)} ms; ` +
          `with NSS scan bytesRead=${a.bytesRead} (scan ${a.hazard?.bytesRead}) ${a.ms.toFixed(2)} ms`,
      );
      expect(r.bytesRead).toBeLessThanOrEqual(65536);
      // the 50 MB array is in .data (writable, skipped); the marker is in .rodata
      expect(a.hazard?.nss.length).toBeGreaterThan(0);
      expect(a.hazard?.bytesRead).toBeLessThan(2 << 20);
    } finally {
      await f.close();
    }
  }, 120_000);
});

describe.skipIf(!HAVE_GCC)("a 50 MB glibc -static program without NSS: the scan stays under 1 MiB", () => {
  let dir: string;
  const MiB = 1 << 20;
  const prog = (decl: string) =>
    `#include <stdio.h>\n${decl}\nint main(int c, char **v) { (void)v; return puts("hi") + big[c * 4096]; }\n`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scratchkit-nss-big-"));
    // 50 MB of constants in .rodata: the symbol table names the array, so the scan skips it.
    writeFileSync(join(dir, "rodata.c"), prog("const char big[50 << 20] = {1};"));
    sh("gcc", ["-static", "-O1", "-o", "rodata", "rodata.c"], dir);
    // The same stripped: no symbol table, so the scan stops at its cap and says so.
    sh("strip", ["-o", "rodata-stripped", "rodata"], dir);
    // 50 MB of writable data (.data), and 50 MB in a section that is not loaded.
    writeFileSync(join(dir, "data.c"), prog("char big[50 << 20] = {1};"));
    sh("gcc", ["-static", "-O1", "-o", "data", "data.c"], dir);
    writeFileSync(join(dir, "small.c"), prog("const char big[1 << 16] = {1};"));
    sh("gcc", ["-static", "-O1", "-o", "small", "small.c"], dir);
    writeFileSync(join(dir, "blob"), Buffer.alloc(50 << 20, 0x41));
    sh("objcopy", ["--add-section", ".blob=blob", "small", "blob-section"], dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(["rodata", "data", "blob-section"])(
    "%s: static, no NSS, complete, at most 1 MiB read",
    async (name) => {
      const buf = readFileSync(join(dir, name));
      expect(buf.length).toBeGreaterThan(50 << 20);
      const c = counting(bufferSource(buf));
      const a = await assessArtifact(c.src, { platform: amd64 });
      console.log(
        `[elf] ${name} (${buf.length} bytes): NSS scan read ${a.hazard?.bytesRead} bytes in ${c.calls()} reads`,
      );
      expect(a.report.verdict.kind).toBe("static");
      expect(a.hazard).toMatchObject({ nss: [], libraries: [], complete: true });
      expect(a.hazard?.bytesRead).toBeLessThanOrEqual(MiB);
      expect(c.total()).toBe(a.bytesRead);
      expect(a.reasons).toEqual(HOST_IS_AMD64 ? [] : expect.anything());
    },
  );

  it("a stripped one with 50 MB of constants: capped at 1 MiB, incomplete (a warning, not a failure)", async () => {
    const a = await assessArtifact(bufferSource(readFileSync(join(dir, "rodata-stripped"))), {
      platform: amd64,
    });
    expect(a.hazard?.bytesRead).toBeLessThanOrEqual(MiB);
    expect(a.hazard?.complete).toBe(false);
    expect(a.findings.map((f) => f.kind)).toContain("scan-incomplete");
    expect(a.reasons).toEqual(HOST_IS_AMD64 ? [] : expect.anything());
  });
});

describe("findings from headers", () => {
  it("reports RPATH and RUNPATH of a static-pie as a warning", () => {
    const f = hygieneFindings({
      verdict: { kind: "static-pie", machine: "amd64" },
      bytesRead: 1,
      rpath: ["/opt/a"],
      runpath: ["$ORIGIN/../lib"],
      stripped: true,
    });
    expect(f).toHaveLength(1);
    expect(f[0]?.kind).toBe("rpath");
    expect(f[0]?.short).toBe("has RPATH /opt/a, RUNPATH $ORIGIN/../lib");
  });
});
