// Property tests (fast-check) for the bounded ELF reader and the NSS scan: whatever the bytes,
// no exception, the budgets hold, and facts that do not depend on the mutated bytes stay put.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ByteSource,
  bufferSource,
  canShipInScratch,
  inspectElf,
  NSS_MARKERS,
  scanGlibcHazard,
} from "../../src/elf/index.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";

/** Counts bytes asked of the source: what a hostile file could make us read. */
function metered(buf: Uint8Array) {
  const inner = bufferSource(buf);
  let asked = 0;
  const src: ByteSource = {
    size: buf.length,
    read(o, n) {
      asked += n;
      return inner.read(o, n);
    },
  };
  return { src, asked: () => asked };
}

const seeds = [
  craftElf({
    elfClass: 64,
    le: true,
    machine: EM.X86_64,
    interp: "/lib64/ld-linux-x86-64.so.2",
    needed: ["libc.so.6"],
  }),
  craftElf({
    elfClass: 64,
    le: true,
    machine: EM.X86_64,
    type: 3,
    flags1: 0x08000000,
    debug: true,
    sections: "symtab",
  }),
  craftElf({ elfClass: 32, le: false, machine: EM.MIPS, needed: ["libm.so.6"], runpath: "/opt" }),
  craftElf({ elfClass: 32, le: true, machine: EM.ARM, flags: 0x05000400 }),
];

const mutated = fc
  .record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 16 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ seed, edits, cut }) => {
    const base = seeds[seed]?.bytes ?? new Uint8Array();
    const out = base.slice(0, cut === undefined ? base.length : cut % (base.length + 1));
    for (const e of edits) if (out.length > 0) out[e.at % out.length] = e.byte;
    return out;
  });

describe("properties of inspectElf", () => {
  it("never throws, never reads over the budget, and always gives a verdict", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mutated, fc.uint8Array({ maxLength: 512 })),
        fc.integer({ min: 0, max: 70000 }),
        async (bytes, budget) => {
          const m = metered(bytes);
          const r = await inspectElf(m.src, { budget });
          expect(m.asked()).toBeLessThanOrEqual(budget);
          expect(r.bytesRead).toBe(m.asked());
          expect(typeof r.verdict.kind).toBe("string");
          const ship = canShipInScratch(r);
          // A file we let ship has no interpreter and no libraries, by construction of the verdict.
          if (ship.ok) expect(["static", "static-pie", "not-elf"]).toContain(r.verdict.kind);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("ELF with arbitrary bytes after the parsed structures keeps its verdict", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        async (i, tail) => {
          const seed = seeds[i]?.bytes ?? new Uint8Array();
          const before = await inspectElf(bufferSource(seed));
          const grown = new Uint8Array(seed.length + tail.length);
          grown.set(seed);
          grown.set(tail, seed.length);
          const after = await inspectElf(bufferSource(grown));
          expect(after.verdict).toEqual(before.verdict);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a non-ELF file is judged by its first bytes only: script or data", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        fc.pre(!(bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46));
        const r = await inspectElf(bufferSource(bytes));
        expect(r.verdict.kind).toBe(bytes[0] === 0x23 && bytes[1] === 0x21 ? "script" : "not-elf");
      }),
      { numRuns: 1000 },
    );
  });
});

describe("properties of the NSS scan", () => {
  const elfHead = seeds[3]?.bytes ?? new Uint8Array();

  it("finds a marker wherever it lies in the read-only segment, whatever the chunk size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: NSS_MARKERS.length - 1 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.integer({ min: 16, max: 9000 }),
        async (mi, pos, chunk) => {
          // One PT_LOAD (R+X) covers the whole crafted file; grow it with the marker inside.
          const marker = NSS_MARKERS[mi] ?? "";
          const file = new Uint8Array(elfHead.length + pos + marker.length + 16);
          file.set(elfHead);
          file.set(new TextEncoder().encode(marker), elfHead.length + pos);
          patchLoadSize(file);
          const r = await scanGlibcHazard(bufferSource(file), { chunk });
          expect(r.nss).toContain(marker);
          expect(r.bytesRead).toBeLessThanOrEqual(file.length + 8192);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("never reads more than its cap, never throws", async () => {
    await fc.assert(
      fc.asyncProperty(
        mutated,
        fc.integer({ min: 1, max: 100000 }),
        fc.integer({ min: 1, max: 70000 }),
        async (bytes, budget, chunk) => {
          const m = metered(bytes);
          const r = await scanGlibcHazard(m.src, { budget, chunk });
          expect(r.bytesRead).toBeLessThanOrEqual(budget);
          expect(m.asked()).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

/** Set the crafted ARM32 file's single PT_LOAD p_filesz to the file length (LE, ELF32). */
function patchLoadSize(file: Uint8Array): void {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const phoff = v.getUint32(28, true);
  const phnum = v.getUint16(44, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * 32;
    if (v.getUint32(p, true) === 1) {
      v.setUint32(p + 16, file.length, true); // p_filesz
      v.setUint32(p + 20, file.length, true); // p_memsz
      v.setUint32(p + 24, 5, true); // p_flags R+X: scanned
    }
  }
}
