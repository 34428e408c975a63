// Hostile and broken inputs: the inspector must stay within budget, never throw, never loop,
// and answer "invalid" (or a verdict that matches what the kernel would do).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ByteSource, bufferSource, inspectElf, type Report } from "../../src/elf/index.js";
import { type CraftOptions, craftElf, EM, poke } from "./fixtures/elf/craft.js";
import { buildFixtures, hasTool } from "./fixtures/elf/toolchain.js";

const KINDS = ["static", "static-pie", "dynamic", "shared-library", "script", "not-elf", "invalid"];
const x64: CraftOptions = { elfClass: 64, le: true, machine: EM.X86_64 };

/** A source that records every byte actually requested. */
function metered(buf: Uint8Array, withSize = true) {
  const inner = bufferSource(buf);
  let requested = 0;
  const src: ByteSource = {
    ...(withSize ? { size: buf.length } : {}),
    read(o, n) {
      requested += n;
      return inner.read(o, n);
    },
  };
  return { src, requested: () => requested };
}

/** Shape checks that hold for any Report, whatever the input. */
function expectSane(r: Report, budget = 65536) {
  expect(KINDS).toContain(r.verdict.kind);
  expect(r.bytesRead).toBeLessThanOrEqual(budget);
  const v = r.verdict;
  if (v.kind === "dynamic" || v.kind === "shared-library") {
    expect(Array.isArray(v.needed)).toBe(true);
    for (const n of v.needed) expect(typeof n).toBe("string");
  }
  if (v.kind === "invalid") {
    expect(v.reason.length).toBeGreaterThan(0);
    // only ElfError/BudgetError are expected; anything else is a bug in the reader
    expect(v.reason).not.toMatch(/^unexpected error/);
  }
}

async function run(buf: Uint8Array, opts: { budget?: number; withSize?: boolean } = {}) {
  const m = metered(buf, opts.withSize ?? true);
  const r = await inspectElf(m.src, opts.budget === undefined ? {} : { budget: opts.budget });
  expectSane(r, opts.budget ?? 65536);
  expect(m.requested()).toBeLessThanOrEqual(opts.budget ?? 65536);
  return r;
}

/** Append `extra` bytes and stretch the first PT_LOAD (phdr 0 of a crafted ELF64) over them. */
function grow(bytes: Uint8Array, extra: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  poke(out, 64 + 32, out.length, 8, true);
  poke(out, 64 + 40, out.length, 8, true);
  return out;
}

const reason = (r: Report) =>
  r.verdict.kind === "invalid" ? r.verdict.reason : `not invalid: ${r.verdict.kind}`;

describe("hostile headers and tables", () => {
  it("rejects absurd program header counts, sizes and offsets", async () => {
    const base = craftElf({ ...x64, interp: "/lib/ld.so" }).bytes;
    const cases: Array<[string, number, bigint | number, 2 | 8]> = [
      ["phnum 0xffff", 56, 0xffff, 2],
      ["phnum 0", 56, 0, 2],
      ["phentsize 7", 54, 7, 2],
      ["phoff 2^63", 32, 1n << 63n, 8],
      ["phoff past EOF", 32, 1 << 20, 8],
      ["phoff 2^53-1", 32, BigInt(Number.MAX_SAFE_INTEGER), 8],
    ];
    for (const [name, pos, value, size] of cases) {
      const b = base.slice();
      poke(b, pos, value, size, true);
      const r = await run(b);
      expect(r.verdict.kind, name).toBe("invalid");
    }
  });

  it("rejects section header tables that overflow or lie past EOF", async () => {
    const c = craftElf({ ...x64, sections: "symtab" });
    for (const [shoff, shnum] of [
      [1n << 62n, 0xffff],
      [BigInt(Number.MAX_SAFE_INTEGER), 2],
      [BigInt(c.bytes.length + 1), 2],
    ] as const) {
      const b = c.bytes.slice();
      poke(b, 40, shoff, 8, true);
      poke(b, 60, shnum, 2, true);
      expect(reason(await run(b))).toMatch(/section header|range/);
    }
    // extended numbering: e_shnum = 0, real count in section 0's sh_size, here 2^40
    const ext = c.bytes.slice();
    poke(ext, 60, 0, 2, true);
    poke(ext, (c.at.shoff ?? 0) + 32, 1n << 40n, 8, true);
    expect((await run(ext)).verdict.kind).toBe("invalid");
    // a sane extended count works
    const ok = c.bytes.slice();
    poke(ok, 60, 0, 2, true);
    poke(ok, (c.at.shoff ?? 0) + 32, 2, 8, true);
    const r = await run(ok);
    expect(r.verdict.kind).toBe("static");
    expect(r.stripped).toBe(false);
  });

  it("bounds a PT_DYNAMIC that claims terabytes, with and without a known size", async () => {
    const c = craftElf({ ...x64, needed: ["libc.so.6"] });
    const b = c.bytes.slice();
    // phdr 1 is PT_DYNAMIC; drop its DT_NULL so nothing stops the scan early
    poke(b, 64 + 56 + 32, 1n << 40n, 8, true);
    poke(b, (c.at.dynamic ?? 0) + 3 * 16, 0x7fffffff, 8, true); // entries: NEEDED, STRTAB, STRSZ, NULL
    for (const withSize of [true, false]) {
      expect(reason(await run(b, { withSize }))).toMatch(/truncated/);
    }
    // inside the file but larger than the budget, with no DT_NULL: refused, not guessed
    const big = grow(b, new Uint8Array(1 << 20).fill(0x11));
    poke(big, 64 + 56 + 32, big.length - (c.at.dynamic ?? 0), 8, true);
    for (const withSize of [true, false]) {
      expect(reason(await run(big, { withSize }))).toMatch(/dynamic section does not fit the read budget/);
    }
  });

  it("keeps DT_NEEDED when DT_STRTAB is unmapped (still dynamic, never static)", async () => {
    const c = craftElf({ ...x64, needed: ["libc.so.6"] });
    const b = c.bytes.slice();
    poke(b, (c.at.dynamic ?? 0) + 16 + 8, 0xdead0000n, 8, true); // entry 1 = DT_STRTAB
    const r = await run(b);
    expect(r.verdict.kind).toBe("dynamic");
    if (r.verdict.kind === "dynamic") expect(r.verdict.needed[0]).toMatch(/unreadable/);
  });

  it("stops at the budget on a string table with no NUL", async () => {
    const c = craftElf({ ...x64, needed: ["x"] });
    const junk = new Uint8Array(300_000).fill(0x41);
    const b = grow(c.bytes, junk);
    const strtab = c.at.strtab ?? 0;
    poke(b, (c.at.dynamic ?? 0) + 8, c.bytes.length - strtab, 8, true); // NEEDED → into the junk
    poke(b, (c.at.dynamic ?? 0) + 2 * 16 + 8, 1n << 50n, 8, true); // DT_STRSZ: huge
    const r = await run(b);
    expect(r.verdict.kind).toBe("dynamic");
    if (r.verdict.kind === "dynamic") expect(r.verdict.needed[0]).toMatch(/unreadable/);
  });

  it("thousands of DT_NEEDED into a NUL-free region finish fast and within budget", async () => {
    const n = 3000; // 48 KB of dynamic entries: fits the budget, strings then do not
    const c = craftElf({ ...x64, needed: Array.from({ length: n }, (_, i) => `l${i}`) });
    const b = grow(c.bytes, new Uint8Array(2_000_000).fill(0x42));
    const strtab = c.at.strtab ?? 0;
    for (let i = 0; i < n; i++) {
      poke(b, (c.at.dynamic ?? 0) + i * 16 + 8, c.bytes.length - strtab + i * 600, 8, true);
    }
    poke(b, (c.at.dynamic ?? 0) + (n + 1) * 16 + 8, 1n << 40n, 8, true); // DT_STRSZ
    const t0 = performance.now();
    const r = await run(b);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.verdict.kind).toBe("dynamic");
    // 5000 entries (80 KB) cannot all be read: refuse rather than guess
    const many = craftElf({ ...x64, needed: Array.from({ length: 5000 }, (_, i) => `l${i}`) });
    expect(reason(await run(many.bytes))).toMatch(/budget/);
  });

  it("rejects bad PT_INTERP sizes and missing NULs like the kernel", async () => {
    const c = craftElf({ ...x64, interp: "/lib/ld.so" });
    const noNul = c.bytes.slice();
    noNul[(c.at.interp ?? 0) + "/lib/ld.so".length] = 0x41;
    expect(reason(await run(noNul))).toMatch(/NUL/);
    const huge = c.bytes.slice();
    poke(huge, 64 + 56 + 32, 100_000, 8, true);
    expect(reason(await run(huge))).toMatch(/PT_INTERP/);
  });

  it("ignores a malformed PT_NOTE", async () => {
    const c = craftElf({ ...x64, buildId: new Uint8Array(20).fill(7) });
    const b = c.bytes.slice();
    poke(b, c.at.note ?? 0, 0xffffffff, 4, true); // namesz
    const r = await run(b);
    expect(r.verdict.kind).toBe("static");
    expect(r.buildId).toBeUndefined();
    expect((await run(c.bytes)).buildId).toBe("07".repeat(20));
  });

  it("big-endian fields are not read little-endian (flipping EI_DATA breaks it, safely)", async () => {
    const c = craftElf({ elfClass: 64, le: false, machine: EM.S390, needed: ["libc.so.6"] });
    c.bytes[5] = 1;
    expect((await run(c.bytes)).verdict.kind).toBe("invalid");
  });
});

describe("misbehaving byte sources and budgets", () => {
  const elf = craftElf({ ...x64, interp: "/lib/ld.so", needed: ["libc.so.6"] }).bytes;

  it("a throwing source gives invalid, not an exception", async () => {
    const r = await inspectElf({ size: 100, read: async () => Promise.reject(new Error("EIO")) });
    expect(r.verdict).toEqual({ kind: "invalid", reason: "read failed at offset 0: EIO" });
  });

  it("a source returning more than asked, or non-bytes, cannot break accounting", async () => {
    const greedy: ByteSource = { read: async () => new Uint8Array(10_000_000) };
    const r = await inspectElf(greedy);
    expectSane(r);
    const wrong: ByteSource = { read: async () => "nope" as unknown as Uint8Array };
    expect((await inspectElf(wrong)).verdict.kind).toBe("invalid");
  });

  it("a bogus size is ignored; a lying size is caught by short reads", async () => {
    for (const size of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      const inner = bufferSource(elf);
      expect((await inspectElf({ size, read: inner.read })).verdict.kind).toBe("dynamic");
    }
    const inner = bufferSource(elf);
    const r = await inspectElf({ size: 100 << 20, read: inner.read });
    expect(r.verdict.kind).toBe("dynamic");
  });

  it("odd budgets: tiny → invalid, invalid → default", async () => {
    expect((await inspectElf(bufferSource(elf), { budget: 10 })).verdict.kind).toBe("invalid");
    expect((await inspectElf(bufferSource(elf), { budget: 10 })).bytesRead).toBe(0);
    expect((await inspectElf(bufferSource(elf), { budget: Number.NaN })).verdict.kind).toBe("dynamic");
  });
});

describe.skipIf(!hasTool("gcc"))("mutations of real gcc outputs", () => {
  let dir: string;
  let bins: Uint8Array[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scratchkit-elf-fuzz-"));
    const paths = buildFixtures(dir);
    bins = ["static", "static-pie", "dynamic-pie", "shared"].map((n) => readFileSync(paths.get(n) ?? ""));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every single-bit flip in the ELF header gives a sane report", async () => {
    for (const bin of bins) {
      for (let bit = 0; bit < 64 * 8; bit++) {
        const b = Uint8Array.from(bin);
        b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        await run(b);
      }
    }
  }, 60_000);

  it("random byte corruption of headers, program headers and dynamic data never throws or overreads", async () => {
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const bin of bins) {
      for (let i = 0; i < 400; i++) {
        const b = Uint8Array.from(bin);
        const edits = 1 + Math.floor(rand() * 8);
        for (let e = 0; e < edits; e++) {
          // bias towards the first 16 KiB, where headers, .dynamic and .dynstr live
          const pos = Math.floor(rand() * Math.min(b.length, rand() < 0.8 ? 16384 : b.length));
          b[pos] = Math.floor(rand() * 256);
        }
        await run(b, { withSize: rand() < 0.5 });
      }
    }
  }, 60_000);

  it("a budget too small for the dynamic section never turns dynamic into static", async () => {
    for (const bin of bins) {
      const full = await run(bin);
      for (const budget of [64, 100, 512, 1024, 4096, 5000, 8192, 12_000, 16_384, 32_768]) {
        const r = await run(bin, { budget });
        if (r.verdict.kind !== "invalid") expect(r.verdict.kind).toBe(full.verdict.kind);
      }
    }
  });
});
