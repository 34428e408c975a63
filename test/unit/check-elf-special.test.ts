// `scratchkit check-elf` on what is not a program: it stats first and never opens a FIFO or
// a device node (opening a FIFO for reading blocks until a writer comes), and applies the
// gate's rules to empty, non-executable and non-ELF files. Also the NSS sentence.
import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkElf } from "../../src/cli/check-elf.js";
import type { Artifact } from "../../src/manifest/types.js";
import { checkArtifacts } from "../../src/verify/static-gate.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";
import { hasTool, sh } from "./fixtures/elf/toolchain.js";

const STATIC = craftElf({ elfClass: 64, le: true, machine: EM.X86_64 }).bytes;

async function run(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await checkElf(["--platform", "linux/amd64", ...args], {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
  });
  return { code, out: stdout.join("\n") };
}

describe("check-elf on files that are not programs", () => {
  let dir: string;
  const p = (name: string) => join(dir, name);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "check-elf-special-"));
    execFileSync("mkfifo", [p("fifo")]);
    symlinkSync("fifo", p("to-fifo"));
    mkdirSync(p("adir"));
    writeFileSync(p("empty"), "", { mode: 0o755 });
    writeFileSync(p("static"), STATIC, { mode: 0o755 });
    writeFileSync(p("noexec"), STATIC, { mode: 0o644 });
    writeFileSync(p("text"), "just text\n", { mode: 0o755 });
  });
  afterAll(() => {
    // If a reader is stuck on the FIFO (the bug), a writer releases it so the worker can exit.
    try {
      closeSync(openSync(p("fifo"), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  it("a FIFO fails at once with what it is, also through a link", { timeout: 5000 }, async () => {
    const r = await run(p("fifo"), p("to-fifo"));
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [p("fifo"), p("to-fifo")]
        .map(
          (f) =>
            `${f}: FAIL a named pipe (FIFO), not a program — list only compiled programs under artifacts (data files go under data)`,
        )
        .join("\n"),
    );
  });

  it("a device node and a directory are never opened", { timeout: 5000 }, async () => {
    const r = await run("/dev/null", p("adir"));
    expect(r.code).toBe(1);
    expect(r.out).toContain("/dev/null: FAIL a character device node, not a program");
    expect(r.out).toContain(`${p("adir")}: FAIL a directory, not a program`);
  });

  it("empty, non-executable and non-ELF files fail like in the gate; a static program passes", async () => {
    const r = await run(p("empty"), p("noexec"), p("text"), p("static"));
    expect(r.code).toBe(1);
    expect(r.out.split("\n")).toEqual([
      `${p("empty")}: FAIL data (not ELF): an empty file (0 bytes), not a program — check that the build step really writes it`,
      `${p("noexec")}: FAIL static amd64: not executable (mode 0644, no execute bit), so it cannot run — chmod +x it in the build step or set mode: on the artifact; data files go under data`,
      `${p("text")}: FAIL data (not ELF): not an ELF program (no ELF header and no #! line) — ship a compiled, statically linked executable; data files go under data`,
      `${p("static")}: OK static amd64`,
    ]);
    expect((await run(p("static"))).code).toBe(0);
  });
});

describe.skipIf(!hasTool("gcc") || process.arch !== "x64")("the NSS refusal reads as one sentence", () => {
  it("no '.;' between the explanation and the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nss-sentence-"));
    writeFileSync(
      join(dir, "gai.c"),
      '#include <netdb.h>\nint main(void) { struct addrinfo *r; return getaddrinfo("x", 0, 0, &r); }\n',
    );
    sh("gcc", ["-O1", "-static", "-o", "gai", "gai.c"], dir);
    const bytes = new Uint8Array(execFileSync("cat", [join(dir, "gai")]));
    const a: Artifact = {
      path: "gai",
      dest: "/gai",
      allowDlopen: false,
      span: { line: 1, col: 1, endLine: 1, endCol: 1 },
    };
    const r = await checkArtifacts([a], async (_p, off, len) => bytes.subarray(off, off + len), {
      os: "linux",
      architecture: "amd64",
    });
    const message = r.failures[0]?.message ?? "";
    expect(message).toContain("so those calls fail there; link against musl instead");
    expect(message).not.toContain(".;");
    rmSync(dir, { recursive: true, force: true });
  });
});
