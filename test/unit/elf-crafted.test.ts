// Hand-built headers: both classes, both byte orders, foreign architectures, ARM float ABI and
// the corner cases of the linkage rule that gcc on this host does not produce.
import { describe, expect, it } from "vitest";
import { bufferSource, canShipInScratch, inspectElf } from "../../src/elf/index.js";
import { normalizePlatform } from "../../src/platform.js";
import { type CraftOptions, craftElf, EM } from "./fixtures/elf/craft.js";

const inspect = (o: CraftOptions, platform?: { os: string; architecture: string; variant?: string }) =>
  inspectElf(bufferSource(craftElf(o).bytes), platform ? { platform } : {});

const ET_DYN = 3;
const DF_1_PIE = 0x08000000;

describe("machine, class and byte order", () => {
  const cases: Array<[string, CraftOptions, string]> = [
    ["s390x", { elfClass: 64, le: false, machine: EM.S390 }, "s390x"],
    ["ppc64 big endian", { elfClass: 64, le: false, machine: EM.PPC64 }, "ppc64"],
    ["ppc64le", { elfClass: 64, le: true, machine: EM.PPC64 }, "ppc64le"],
    ["mips 32 BE", { elfClass: 32, le: false, machine: EM.MIPS }, "mips"],
    ["mips64le", { elfClass: 64, le: true, machine: EM.MIPS }, "mips64le"],
    ["arm64", { elfClass: 64, le: true, machine: EM.AARCH64 }, "arm64"],
    ["arm", { elfClass: 32, le: true, machine: EM.ARM }, "arm"],
    ["386", { elfClass: 32, le: true, machine: EM.I386 }, "386"],
    ["riscv64", { elfClass: 64, le: true, machine: EM.RISCV }, "riscv64"],
    ["unknown", { elfClass: 64, le: true, machine: 0x1234 }, "unknown(e_machine=4660)"],
  ];
  for (const [name, o, arch] of cases) {
    it(`${name} → ${arch}`, async () => {
      const r = await inspect(o, { os: "linux", architecture: arch });
      expect(r.verdict).toEqual({ kind: "static", machine: arch, pie: false });
      expect(r.archMismatch).toBeUndefined();
      const other = await inspect(o, { os: "linux", architecture: "amd64" });
      expect(other.archMismatch).toEqual({ expected: "amd64", found: arch });
      expect(canShipInScratch(other).ok).toBe(false);
    });
  }

  // One alias table: a spelling the gate accepts for an ELF is the one the LLB's platform
  // normalization turns into that ELF's architecture, and no other (i686 is neither's).
  it.each([
    ["x86_64", { elfClass: 64, le: true, machine: EM.X86_64 }],
    ["X86-64", { elfClass: 64, le: true, machine: EM.X86_64 }],
    ["aarch64", { elfClass: 64, le: true, machine: EM.AARCH64 }],
    ["i386", { elfClass: 32, le: true, machine: EM.I386 }],
    ["i686", { elfClass: 32, le: true, machine: EM.I386 }],
    ["armhf", { elfClass: 32, le: true, machine: EM.ARM }],
    ["ppc64el", { elfClass: 64, le: true, machine: EM.PPC64 }],
  ] as Array<[string, CraftOptions]>)("the gate reads %s as the LLB does", async (spelling, o) => {
    const platform = { os: "linux", architecture: spelling };
    const r = await inspect(o, platform);
    const found = r.verdict.kind === "static" ? r.verdict.machine : "";
    const llbArch = normalizePlatform(platform).architecture;
    expect(r.archMismatch === undefined).toBe(llbArch === found);
    expect(r.archMismatch?.expected).toBe(llbArch === found ? undefined : llbArch);
  });

  it("parses a big-endian ELF32 dynamic section, strings and build-id", async () => {
    const r = await inspect({
      elfClass: 32,
      le: false,
      machine: EM.MIPS,
      interp: "/lib/ld.so.1",
      needed: ["libc.so.6", "libm.so.6"],
      runpath: "$ORIGIN/../lib:/usr/local/lib",
      buildId: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]),
      sections: "symtab",
    });
    expect(r.verdict).toEqual({
      kind: "dynamic",
      interpreter: "/lib/ld.so.1",
      needed: ["libc.so.6", "libm.so.6"],
      machine: "mips",
    });
    expect(r.runpath).toEqual(["$ORIGIN/../lib", "/usr/local/lib"]);
    expect(r.buildId).toBe("deadbeef01020304");
    expect(r.stripped).toBe(false);
  });

  it("parses a big-endian ELF64 static-pie with DT_RPATH and no symtab", async () => {
    const r = await inspect({
      elfClass: 64,
      le: false,
      machine: EM.S390,
      type: ET_DYN,
      flags1: DF_1_PIE,
      rpath: "/x",
    });
    expect(r.verdict).toEqual({ kind: "static-pie", machine: "s390x" });
    expect(r.rpath).toEqual(["/x"]);
    expect(r.stripped).toBe(true); // no section headers at all
  });

  it("a linux target rejects a FreeBSD-branded ELF", async () => {
    const r = await inspect(
      { elfClass: 64, le: true, machine: EM.X86_64, osabi: 9 },
      { os: "linux", architecture: "amd64" },
    );
    expect(r.archMismatch).toEqual({ expected: "linux/amd64", found: "freebsd/amd64" });
  });
});

describe("ARM float ABI (EABI5 e_flags)", () => {
  const HARD = 0x05000400;
  const SOFT = 0x05000200;
  const arm = (flags: number) => ({ elfClass: 32 as const, le: true, machine: EM.ARM, flags });
  it("hard-float cannot run on arm/v5", async () => {
    const r = await inspect(arm(HARD), { os: "linux", architecture: "arm", variant: "v5" });
    expect(r.archMismatch?.expected).toBe("arm/v5");
    expect(r.archMismatch?.found).toMatch(/hard-float/);
  });
  it("hard-float is fine on arm/v6, arm/v7 and arm without variant", async () => {
    for (const variant of ["v6", "v7", undefined]) {
      const platform = variant
        ? { os: "linux", architecture: "arm", variant }
        : { os: "linux", architecture: "arm" };
      expect((await inspect(arm(HARD), platform)).archMismatch).toBeUndefined();
    }
  });
  it("static soft-float runs anywhere", async () => {
    for (const variant of ["v5", "v7"]) {
      expect(
        (await inspect(arm(SOFT), { os: "linux", architecture: "arm", variant })).archMismatch,
      ).toBeUndefined();
    }
  });
  it("arm vs arm64 is a mismatch", async () => {
    const r = await inspect(arm(HARD), { os: "linux", architecture: "arm64" });
    expect(r.archMismatch).toEqual({ expected: "arm64", found: "arm" });
  });
});

describe("linkage rule corner cases", () => {
  const x64 = { elfClass: 64 as const, le: true, machine: EM.X86_64 };
  it("ET_EXEC with an empty PT_DYNAMIC and no interpreter is static (the kernel ignores PT_DYNAMIC)", async () => {
    expect((await inspect({ ...x64, dynamic: true })).verdict.kind).toBe("static");
  });
  it("ET_DYN without PT_DYNAMIC is static-pie", async () => {
    expect((await inspect({ ...x64, type: ET_DYN })).verdict.kind).toBe("static-pie");
  });
  it("ET_DYN with DT_DEBUG but no DF_1_PIE (older linkers) is static-pie", async () => {
    expect((await inspect({ ...x64, type: ET_DYN, debug: true })).verdict.kind).toBe("static-pie");
  });
  it("ET_DYN with DT_SONAME is a shared library", async () => {
    const r = await inspect({ ...x64, type: ET_DYN, soname: "libx.so.1" });
    expect(r.verdict).toEqual({ kind: "shared-library", needed: [], machine: "amd64" });
    expect(canShipInScratch(r).reasons).toEqual(["a shared library, not a standalone executable"]);
  });
  it("an interpreter with no DT_NEEDED is still dynamic", async () => {
    const r = await inspect({ ...x64, type: ET_DYN, interp: "/lib/ld-musl-x86_64.so.1", flags1: DF_1_PIE });
    expect(r.verdict).toEqual({
      kind: "dynamic",
      interpreter: "/lib/ld-musl-x86_64.so.1",
      needed: [],
      machine: "amd64",
    });
  });
  it("a musl-style dynamic binary gets the documented reason", async () => {
    const r = await inspect({
      ...x64,
      type: ET_DYN,
      interp: "/lib/ld-musl-x86_64.so.1",
      needed: ["libc.musl-x86_64.so.1"],
      flags1: DF_1_PIE,
    });
    expect(canShipInScratch(r)).toEqual({
      ok: false,
      reasons: ["dynamically linked: interpreter /lib/ld-musl-x86_64.so.1, needs libc.musl-x86_64.so.1"],
    });
  });
  it("DT_NEEDED without PT_INTERP: executable → dynamic without interpreter, library → shared-library", async () => {
    const exe = await inspect({ ...x64, needed: ["libc.so.6"] });
    expect(exe.verdict).toEqual({ kind: "dynamic", needed: ["libc.so.6"], machine: "amd64" });
    expect(canShipInScratch(exe).reasons[0]).toMatch(/without an interpreter/);
    const pie = await inspect({ ...x64, type: ET_DYN, flags1: DF_1_PIE, needed: ["libc.so.6"] });
    expect(pie.verdict.kind).toBe("dynamic");
    const lib = await inspect({ ...x64, type: ET_DYN, needed: ["libc.so.6"] });
    expect(lib.verdict).toEqual({ kind: "shared-library", needed: ["libc.so.6"], machine: "amd64" });
  });
  it("relocatable objects and core files are not executables", async () => {
    for (const type of [1, 4, 0xfe00]) {
      const r = await inspect({ ...x64, type });
      expect(r.verdict.kind).toBe("invalid");
    }
  });
  it("escapes control characters from names before they reach logs", async () => {
    const r = await inspect({ ...x64, interp: "/lib/ld\n[ok] evil\u001b[2J", needed: ["a\rb"] });
    const v = r.verdict;
    expect(v.kind).toBe("dynamic");
    if (v.kind !== "dynamic") return;
    expect(v.interpreter).toBe("/lib/ld\\x0a[ok] evil\\x1b[2J");
    expect(v.needed).toEqual(["a\\x0db"]);
  });
});
