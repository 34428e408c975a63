// The mutation engine behind `npm run fuzz:elf` (test/fuzz/elf-mutate.ts), and a short run of
// its invariants: whatever the mutant, inspectElf returns a report within its read budget.
import { describe, expect, it } from "vitest";
import { bufferSource, inspectElf } from "../../src/elf/index.js";
import {
  materialize,
  mulberry32,
  mutate,
  overlaySource,
  regionsOf,
  type Seed,
  touches,
} from "../fuzz/elf-mutate.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function seed(name: string, crafted: ReturnType<typeof craftElf>): Seed {
  return { name, bytes: crafted.bytes, regions: regionsOf(crafted.bytes) };
}

const mips = craftElf({
  elfClass: 32,
  le: false,
  machine: EM.MIPS,
  interp: "/lib/ld.so.1",
  needed: ["libc.so.6"],
});
const SEEDS = [
  seed("mips32be-dyn", mips),
  seed("arm32-static", craftElf({ elfClass: 32, le: true, machine: EM.ARM, flags: 0x05000400 })),
  seed(
    "ppc64be-pie",
    craftElf({
      elfClass: 64,
      le: false,
      machine: EM.PPC64,
      type: 3,
      flags1: 0x08000000,
      debug: true,
      sections: "symtab",
    }),
  ),
  seed(
    "x86_64-dyn",
    craftElf({ elfClass: 64, le: true, machine: EM.X86_64, interp: "/lib64/ld.so", needed: ["libm.so.6"] }),
  ),
];

describe("regionsOf", () => {
  it("finds the parsed parts of a seed where the crafter put them", () => {
    const r = Object.fromEntries(SEEDS[0]?.regions.map((x) => [x.name, x]) ?? []);
    expect(r.ehdr).toEqual({ name: "ehdr", offset: 0, length: 52 });
    expect(r.phdrs?.offset).toBe(mips.at.phoff);
    expect(r.phdrs?.length).toBeGreaterThanOrEqual(3 * 32); // PT_LOAD, PT_INTERP, PT_DYNAMIC
    expect(r.interp?.offset).toBe(mips.at.interp);
    expect(r.dynamic?.offset).toBe(mips.at.dynamic);
    expect(r.dynstr?.offset).toBe(mips.at.strtab);
    const at = (name: string) => {
      const x = r[name];
      return x ? mips.bytes.subarray(x.offset, x.offset + x.length) : new Uint8Array();
    };
    expect(text(at("interp"))).toBe("/lib/ld.so.1\0");
    expect(text(at("dynstr"))).toContain("libc.so.6\0");
  });

  it("a static seed has no interp, dynamic or dynstr region", () => {
    const names = SEEDS[1]?.regions.map((x) => x.name);
    expect(names).toContain("ehdr");
    expect(names).toContain("phdrs");
    expect(names).not.toContain("interp");
    expect(names).not.toContain("dynamic");
  });
});

describe("mutants", () => {
  it("are the same for the same PRNG seed, and differ for another", () => {
    const run = (s: number) => {
      const rand = mulberry32(s);
      return Array.from({ length: 50 }, () => mutate(rand, SEEDS[3] as Seed, SEEDS));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("read through the overlay, equal their materialized bytes; patches stay in the file", async () => {
    const rand = mulberry32(1);
    for (let i = 0; i < 200; i++) {
      const s = SEEDS[i % SEEDS.length] as Seed;
      const m = mutate(rand, s, SEEDS);
      for (const p of m.patches) expect(p.at).toBeLessThan(s.bytes.length);
      let charged = 0;
      const src = overlaySource(s.bytes, m, (n) => {
        charged += n;
      });
      const whole = await src.read(0, s.bytes.length);
      expect(whole).toEqual(materialize(s.bytes, m));
      expect(whole.length).toBe(m.truncate ?? s.bytes.length);
      expect(charged).toBe(s.bytes.length);
    }
  });

  it("touches() tells a patch in a parsed region from one beside it or in a note", () => {
    const s = SEEDS[0] as Seed;
    const interp = s.regions.find((r) => r.name === "interp");
    expect(touches([{ at: interp?.offset ?? -1, bytes: [0] }], s.regions)).toBe(true);
    const regions = [
      { name: "ehdr" as const, offset: 0, length: 52 },
      { name: "note" as const, offset: 100, length: 32 },
    ];
    expect(touches([{ at: 50, bytes: [1, 2, 3] }], regions)).toBe(true); // overlaps the end
    expect(touches([{ at: 52, bytes: [1, 2, 3] }], regions)).toBe(false); // right after it
    expect(touches([{ at: 110, bytes: [1] }], regions)).toBe(false); // notes do not count
  });
});

describe("a short fuzz run", () => {
  it("1,000 mutants: inspectElf never throws and stays within 64 KiB, counting every byte it asked for", async () => {
    const rand = mulberry32(20261128);
    const kinds = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const s = SEEDS[Math.floor(rand() * SEEDS.length)] as Seed;
      const m = mutate(rand, s, SEEDS);
      let requested = 0;
      const r = await inspectElf(
        overlaySource(s.bytes, m, (n) => {
          requested += n;
        }),
        { platform: { os: "linux", architecture: "amd64" } },
      );
      expect(r.bytesRead).toBe(requested);
      expect(r.bytesRead).toBeLessThanOrEqual(65536);
      kinds.add(r.verdict.kind);
      // A mutation outside every parsed region leaves the seed's verdict.
      if (m.truncate === undefined && !touches(m.patches, s.regions)) {
        const seedReport = await inspectElf(bufferSource(s.bytes), {
          platform: { os: "linux", architecture: "amd64" },
        });
        expect(r.verdict).toEqual(seedReport.verdict);
      }
    }
    // The mutants reach more than one outcome: valid and invalid ELF alike.
    expect(kinds.has("invalid")).toBe(true);
    expect(kinds.size).toBeGreaterThan(2);
  });
});
