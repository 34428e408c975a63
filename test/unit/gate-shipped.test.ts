// What an artifact ships, decided from /out as BuildKit really lists it: the listing recorded
// from the engine (fixtures/readdir-recorded.json, Go os.FileMode modes) held by the in-memory
// ref (which answers and fails as BuildKit does), then the gate over the files it names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { requireArtifacts } from "../../src/frontend/artifacts.js";
import { goFileKind, permissionBits } from "../../src/gateway/file-mode.js";
import type { Artifact, Span } from "../../src/manifest/types.js";
import { MAX_WALK_ENTRIES, OutTree } from "../../src/verify/out-tree.js";
import { planShipped } from "../../src/verify/shipped.js";
import { checkFiles } from "../../src/verify/static-gate.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";
import { MemoryRef, type Tree } from "./fixtures/memory-client.js";

interface Recorded {
  listings: Record<string, Array<{ path: string; mode: number; size: number; linkname?: string }>>;
}
const RECORDED = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures/readdir-recorded.json"), "utf8"),
) as Recorded;

// The recorded programs were musl binaries; a crafted static x86-64 ELF stands in for their
// bytes (the listing keeps the recorded modes, with its size).
const STATIC = craftElf({ elfClass: 64, le: true, machine: EM.X86_64 }).bytes;
const CONTENT: Record<string, Uint8Array> = {
  "/hello.real": STATIC,
  "/bin/prog": STATIC,
  "/script.sh": new TextEncoder().encode("#!/bin/sh\necho hi\n"),
  "/plain": new TextEncoder().encode("data\n"),
};
const listings = Object.fromEntries(
  Object.entries(RECORDED.listings).map(([dir, entries]) => [
    dir,
    entries.map((e) => {
      const c = CONTENT[`${dir === "/" ? "" : dir}/${e.path}`];
      return c ? { ...e, size: c.length } : e;
    }),
  ]),
);

const amd64 = { os: "linux", architecture: "amd64" };
const span = (line: number): Span => ({ line, col: 3, endLine: line, endCol: 10 });
const artifact = (path: string, line = 7, more: Partial<Artifact> = {}): Artifact => ({
  path,
  dest: `/${path}`,
  allowDlopen: false,
  span: span(line),
  ...more,
});

/** /out as recorded: every listed entry with its recorded Stat, and the contents above. */
const OUT_TREE: Tree = Object.fromEntries(
  Object.entries(listings).flatMap(([dir, entries]) =>
    entries.map((e) => {
      const full = `${dir === "/" ? "" : dir}/${e.path}`;
      const data = CONTENT[full];
      return [full.slice(1), { ...e, ...(data ? { data } : {}) }];
    }),
  ),
);

describe("the gate over /out as the engine lists it", () => {
  let out: MemoryRef;
  beforeEach(() => {
    out = new MemoryRef("out", OUT_TREE);
  });

  const gate = async (artifacts: Artifact[]) => {
    const shipped = await requireArtifacts(out, artifacts);
    const checked = await checkFiles(
      shipped.files,
      (path, offset, length) => out.readFile(`/${path}`, { offset, length }),
      amd64,
    );
    return {
      files: shipped.files.map((f) => [f.path, f.shown]),
      messages: [...shipped.failures, ...checked.failures].map((f) => f.message),
    };
  };

  it("decodes the recorded Go FileModes, not S_IFMT bits", () => {
    const kinds = Object.fromEntries(
      Object.values(listings)
        .flat()
        .map((e) => [e.path, [goFileKind(e.mode), permissionBits(e.mode).toString(8)]]),
    );
    expect(kinds).toEqual({
      abs: ["symlink", "777"],
      bin: ["dir", "755"],
      blk: ["block-device", "644"],
      empty: ["file", "644"],
      fifo: ["fifo", "644"],
      "hello.real": ["file", "755"],
      null: ["char-device", "644"],
      plain: ["file", "644"],
      rel: ["symlink", "777"],
      "script.sh": ["file", "755"],
      // BuildKit drops a socket's type bit: it lists as an empty 0755 file.
      sock: ["file", "755"],
      up: ["symlink", "777"],
      prog: ["file", "755"], // setuid (1<<23) is not a type
      sub: ["dir", "777"], // sticky (1<<20) neither
      subdir: ["symlink", "777"],
    });
  });

  it("a static program and a link to it pass; the link ships its target", async () => {
    expect(await gate([artifact("hello.real"), artifact("rel")])).toEqual({
      files: [
        ["/hello.real", "hello.real"],
        ["/hello.real", "rel (a link to /out/hello.real)"],
      ],
      messages: [],
    });
  });

  it("links that leave /out are refused as such, never opened", async () => {
    const r = await gate([artifact("abs"), artifact("up")]);
    expect(r.files).toEqual([]);
    expect(r.messages).toEqual([
      "/out/abs is a symbolic link that leaves /out (/out/abs -> /etc/shadow): only what is inside /out ships; link to a relative path inside /out",
      "/out/up is a symbolic link that leaves /out (/out/up -> ../etc/passwd): only what is inside /out ships; link to a relative path inside /out",
    ]);
    expect(out.calls.some((c) => c.method === "ReadFile" && /shadow|passwd/.test(c.path))).toBe(false);
  });

  it("what cannot run fails with what it is", async () => {
    const r = await gate(
      ["empty", "fifo", "null", "blk", "plain", "sock", "script.sh"].map((p) => artifact(p)),
    );
    expect(r.messages).toEqual([
      "/out/empty is an empty file (0 bytes), not a program; check that the build step really writes it",
      "/out/fifo is a named pipe (FIFO), not a program; list only compiled programs under artifacts (data files go under data)",
      "/out/null is a character device node, not a program; list only compiled programs under artifacts (data files go under data)",
      "/out/blk is a block device node, not a program; list only compiled programs under artifacts (data files go under data)",
      "/out/plain is not executable (mode 0644, no execute bit), so it cannot run; chmod +x it in the build step or set mode: on the artifact; data files go under data",
      "/out/sock is an empty file (0 bytes), not a program; check that the build step really writes it",
      "/out/script.sh is a script for /bin/sh, which a scratch image does not have; a FROM scratch image has no interpreter to run it — ship a compiled program",
    ]);
  });

  it("mode: on the artifact is the mode that counts for the execute bit", async () => {
    const r = await gate([artifact("plain", 7, { mode: 0o755 })]);
    expect(r.messages).toEqual([
      "/out/plain is not an ELF program (no ELF header and no #! line); ship a compiled, statically linked executable; data files go under data",
    ]);
  });

  it("a directory artifact is walked: its programs verified, links kept inside it", async () => {
    expect(await gate([artifact("bin")])).toEqual({ files: [["/bin/prog", "bin/prog"]], messages: [] });
  });

  it("a missing artifact still lists what the build wrote", async () => {
    await expect(gate([artifact("nope")])).rejects.toThrow(
      "/out/nope was not produced by the build; it wrote /out/abs, /out/bin, /out/blk",
    );
  });
});

describe("the /out tree: links and walks stay bounded", () => {
  const tree = (
    dirs: Record<string, Array<{ path: string; mode: number; linkname?: string; size?: number }>>,
  ) => new OutTree(async (d) => dirs[d]);
  const LINK = 2 ** 27 + 0o777;
  const DIR = 2 ** 31 + 0o755;

  it("follows chains and directory links, refuses loops", async () => {
    const t = tree({
      "/": [
        { path: "a", mode: LINK, linkname: "d/b" },
        { path: "d", mode: LINK, linkname: "real" },
        { path: "real", mode: DIR },
        { path: "loop", mode: LINK, linkname: "loop" },
      ],
      "/real": [
        { path: "b", mode: LINK, linkname: "./../real/c" },
        { path: "c", mode: 0o755, size: 10 },
      ],
    });
    const a = await t.resolve("/a");
    expect(a.ok && a.entry.path).toBe("/real/c");
    const loop = await t.resolve("/loop");
    expect(loop.ok ? "" : loop.problem).toBe("loop");
  });

  it("refuses a directory artifact past the entry cap, with a message", async () => {
    const many = Array.from({ length: MAX_WALK_ENTRIES + 1 }, (_, i) => ({
      path: `f${i}`,
      mode: 0o644,
      size: 1,
    }));
    const t = tree({ "/": [{ path: "big", mode: DIR }], "/big": many });
    const r = await planShipped([artifact("big")], t);
    expect(r.failures.map((f) => f.message)).toEqual([
      `/out/big is too large a directory to verify: it holds more than ${MAX_WALK_ENTRIES} entries`,
    ]);
  });

  it("a directory link outside the artifact directory is refused; an empty directory too", async () => {
    const t = tree({
      "/": [
        { path: "bin", mode: DIR },
        { path: "lib", mode: DIR },
        { path: "x", mode: 0o755, size: 100 },
        { path: "empty", mode: DIR },
      ],
      "/bin": [{ path: "x", mode: LINK, linkname: "../x" }],
      "/lib": [],
      "/empty": [],
    });
    const r = await planShipped([artifact("bin"), artifact("empty")], t);
    expect(r.failures.map((f) => f.message)).toEqual([
      "/out/bin/x is a symbolic link to ../x, outside the artifact directory /out/bin: links inside a directory ship as links, so its target would not ship",
      "/out/empty is an empty directory: there is no program in it to ship",
    ]);
  });
});

describe("directory members with allow-dlopen", () => {
  // Shaped like glibc's libc.so.6: ET_DYN with a PT_INTERP and a soname.
  const LIBC = craftElf({
    elfClass: 64,
    le: true,
    machine: EM.X86_64,
    type: 3,
    interp: "/lib64/ld-linux-x86-64.so.2",
    soname: "libc.so.6",
    needed: ["ld-linux-x86-64.so.2"],
  }).bytes;
  const DYN = craftElf({
    elfClass: 64,
    le: true,
    machine: EM.X86_64,
    interp: "/lib64/ld-linux-x86-64.so.2",
    needed: ["libc.so.6"],
  }).bytes;
  const bytes: Record<string, Uint8Array> = { "lib/libc.so.6": LIBC, "lib/dyn": DYN };
  const member = (name: string, allowDlopen: boolean) => ({
    artifact: artifact("lib", 9, { allowDlopen }),
    path: `/lib/${name}`,
    shown: `lib/${name}`,
    size: (bytes[`lib/${name}`] as Uint8Array).length,
    mustRun: true,
    inDirectory: true,
  });
  const read = async (p: string, off: number, len: number) =>
    (bytes[p] as Uint8Array).subarray(off, off + len);

  it("a library (even one with an interpreter, like libc.so.6) may ship; a dynamic program may not", async () => {
    const allowed = await checkFiles([member("libc.so.6", true), member("dyn", true)], read, amd64);
    expect(allowed.failures.map((f) => f.message)).toEqual([
      "/out/lib/dyn is dynamically linked: interpreter /lib64/ld-linux-x86-64.so.2, needs libc.so.6; a FROM scratch image has no shared libraries — link with -static",
    ]);
    const strict = await checkFiles([member("libc.so.6", false)], read, amd64);
    expect(strict.failures.map((f) => f.message)).toEqual([
      "/out/lib/libc.so.6 is dynamically linked: interpreter /lib64/ld-linux-x86-64.so.2, needs ld-linux-x86-64.so.2; a FROM scratch image has no shared libraries — link with -static",
    ]);
  });
});
