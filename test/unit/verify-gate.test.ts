// The gate over real gcc outputs (failures, warnings, allow-dlopen), the Warn requests it
// becomes, and `scratchkit check-elf` (called in-process and through the bundled CLI).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkElf } from "../../src/cli/check-elf.js";
import { warnRequest } from "../../src/gateway/frontend-client.js";
import { moby } from "../../src/gen/proto.js";
import type { Artifact } from "../../src/manifest/types.js";
import { checkArtifacts } from "../../src/verify/static-gate.js";
import { sendWarnings, warnRequests } from "../../src/verify/warnings.js";
import { craftElf, EM } from "./fixtures/elf/craft.js";
import { hasTool, sh } from "./fixtures/elf/toolchain.js";

const HAVE_GCC = hasTool("gcc");
const amd64 = { os: "linux", architecture: "amd64" };
const ROOT = join(import.meta.dirname, "../..");

function artifact(path: string, line: number, allowDlopen = false): Artifact {
  return { path, dest: `/${path}`, allowDlopen, span: { line, col: 5, endLine: line + 1, endCol: 1 } };
}

function capture() {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  return {
    lines,
    out: { stdout: (l: string) => lines.stdout.push(l), stderr: (l: string) => lines.stderr.push(l) },
  };
}

describe.skipIf(!HAVE_GCC || process.arch !== "x64")("the gate and check-elf on gcc outputs", () => {
  let dir: string;
  const files: Record<string, Uint8Array> = {};
  const read = async (path: string, offset: number, length: number) =>
    (files[path] ?? new Uint8Array()).subarray(offset, offset + length);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scratchkit-gate-"));
    writeFileSync(
      join(dir, "gai.c"),
      '#include <netdb.h>\nint main(void) { struct addrinfo *r; return getaddrinfo("x", 0, 0, &r); }\n',
    );
    writeFileSync(join(dir, "hello.c"), '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
    sh("gcc", ["-O1", "-static", "-o", "gai", "gai.c"], dir);
    sh("gcc", ["-O1", "-static-pie", "-fPIE", "-s", "-o", "pie", "hello.c"], dir);
    sh("gcc", ["-O1", "-static", "-o", "unstripped", "hello.c"], dir);
    sh("gcc", ["-O1", "-o", "dynamic", "hello.c"], dir);
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho hi\n");
    // A program has an execute bit (check-elf refuses files without one, like the gate).
    writeFileSync(join(dir, "arm64"), craftElf({ elfClass: 64, le: true, machine: EM.AARCH64 }).bytes, {
      mode: 0o755,
    });
    for (const n of ["gai", "pie", "unstripped", "dynamic", "run.sh", "arm64"])
      files[n] = readFileSync(join(dir, n));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails the glibc NSS program, passes it with allow-dlopen as a warning", async () => {
    const strict = await checkArtifacts([artifact("gai", 4)], read, amd64);
    expect(strict.failures).toHaveLength(1);
    expect(strict.failures[0]?.message).toMatch(
      /^\/out\/gai is statically linked against glibc but uses NSS: it contains "libnss_".*getaddrinfo\(\).*; link against musl instead: musl-gcc -static, or build on Alpine/,
    );
    const allowed = await checkArtifacts([artifact("gai", 4, true)], read, amd64);
    expect(allowed.failures).toEqual([]);
    expect(allowed.warnings.map((w) => w.finding.kind)).toEqual(["nss", "unstripped"]);
  });

  it("passes a stripped static-pie silently, warns about an unstripped static", async () => {
    const r = await checkArtifacts([artifact("pie", 4), artifact("unstripped", 6)], read, amd64);
    expect(r.failures).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.artifact.path).toBe("unstripped");
    expect(r.warnings[0]?.finding.short).toMatch(/^is not stripped: stripping saves about \d+ KiB$/);
    // One report per artifact; its figures describe reads that happened: some bytes, at most the
    // file, and a total time that includes the linkage verdict's.
    expect(r.reports.map((x) => x.artifact.path)).toEqual(["pie", "unstripped"]);
    for (const x of r.reports) {
      expect(x.assessment.bytesRead).toBeGreaterThan(0);
      expect(x.assessment.bytesRead).toBeLessThanOrEqual(files[x.artifact.path]?.length ?? 0);
      expect(x.assessment.verdictMs).toBeGreaterThan(0);
      expect(x.assessment.ms).toBeGreaterThanOrEqual(x.assessment.verdictMs);
    }
  });

  it("names both architectures, and the script's interpreter", async () => {
    const r = await checkArtifacts([artifact("arm64", 4), artifact("run.sh", 6)], read, amd64);
    expect(r.failures.map((f) => f.message)).toEqual([
      "/out/arm64 is built for arm64, but the target platform is amd64; build for the target platform",
      "/out/run.sh is a script for /bin/sh, which a scratch image does not have; a FROM scratch image has no interpreter to run it — ship a compiled program",
    ]);
  });

  it("turns warnings into WarnRequests with the manifest and the artifact's lines", async () => {
    const r = await checkArtifacts([artifact("unstripped", 7)], read, amd64);
    const source = {
      filename: "scratchkit.yaml",
      data: new TextEncoder().encode("a\nb\n"),
      language: "YAML",
    };
    // as the gateway sends them
    const reqs = warnRequests(r.warnings, source, "sha256:abc").map(warnRequest);
    expect(reqs).toHaveLength(1);
    const req = reqs[0];
    expect(req?.digest).toBe("sha256:abc");
    expect(req?.level).toBe(1);
    expect(new TextDecoder().decode(req?.short ?? undefined)).toMatch(/^\/out\/unstripped is not stripped/);
    expect(req?.info?.filename).toBe("scratchkit.yaml");
    expect(req?.ranges).toEqual([{ start: { line: 7 }, end: { line: 8 } }]);
    // it encodes as a valid gateway WarnRequest
    const wire = moby.buildkit.v1.frontend.WarnRequest.encode(req ?? {}).finish();
    const back = moby.buildkit.v1.frontend.WarnRequest.decode(wire);
    expect(back.ranges[0]?.start?.line).toBe(7);
    expect(back.detail.length).toBeGreaterThan(0);
  });

  it("never lets a failing Warn fail the build", async () => {
    const errors: unknown[] = [];
    const sent = await sendWarnings(
      async (w) => {
        if (w.digest === "bad") throw new Error("unavailable");
      },
      [
        { digest: "bad", message: "a" },
        { digest: "ok", message: "b" },
      ],
      (e) => errors.push(e),
    );
    expect(sent).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it("check-elf: one line per file, exit 0 only when all may ship", async () => {
    const ok = capture();
    expect(await checkElf([join(dir, "pie"), join(dir, "unstripped")], ok.out)).toBe(0);
    expect(ok.lines.stdout[0]).toBe(`${join(dir, "pie")}: OK static-pie amd64`);
    expect(ok.lines.stdout[1]).toMatch(
      /: OK static amd64: warning: not stripped: stripping saves about \d+ KiB$/,
    );

    const bad = capture();
    expect(
      await checkElf([join(dir, "pie"), join(dir, "dynamic"), join(dir, "gai"), join(dir, "nope")], bad.out),
    ).toBe(1);
    expect(bad.lines.stdout).toHaveLength(4);
    expect(bad.lines.stdout[1]).toMatch(
      /: FAIL dynamic amd64 \(needs libc\.so\.6\): dynamically linked: interpreter \/lib64\/ld-linux-x86-64\.so\.2, needs libc\.so\.6 — a FROM scratch image has no shared libraries — link with -static(; warning: not stripped.*)?$/,
    );
    expect(bad.lines.stdout[2]).toMatch(/: FAIL static amd64: statically linked against glibc but uses NSS/);
    expect(bad.lines.stdout[3]).toBe(`${join(dir, "nope")}: FAIL cannot open (ENOENT)`);

    const allowed = capture();
    expect(await checkElf(["--allow-dlopen", join(dir, "gai")], allowed.out)).toBe(0);
    expect(allowed.lines.stdout[0]).toMatch(
      /OK static amd64: warning: statically linked against glibc but uses NSS/,
    );

    const arm = capture();
    expect(await checkElf(["--platform", "linux/arm64", join(dir, "arm64")], arm.out)).toBe(0);
    expect(await checkElf(["--platform", "linux/amd64", join(dir, "arm64")], arm.out)).toBe(1);
    expect(arm.lines.stdout[1]).toContain("built for arm64, but the target platform is amd64");
  });

  it("check-elf --json", async () => {
    const c = capture();
    expect(await checkElf(["--json", join(dir, "gai"), join(dir, "run.sh")], c.out)).toBe(1);
    const parsed = JSON.parse(c.lines.stdout.join("\n")) as Array<Record<string, unknown>>;
    expect(parsed.map((p) => p.ok)).toEqual([false, false]);
    expect(parsed[0]).toMatchObject({
      verdict: { kind: "static" },
      nssScan: { nss: ["libnss_", "nsswitch.conf", "_nss_"] },
    });
    expect(parsed[1]).toMatchObject({ verdict: { kind: "script", interpreter: "/bin/sh" } });
  });

  it("check-elf usage errors exit 2", async () => {
    for (const args of [[], ["--bogus", "x"], ["--platform", "not a platform", "x"], ["--platform"]]) {
      const c = capture();
      expect(await checkElf(args, c.out), args.join(" ")).toBe(2);
      expect(c.lines.stderr.join("\n")).toContain("usage: scratchkit check-elf");
      expect(c.lines.stdout).toEqual([]);
    }
  });

  it("the bundled CLI: exit codes and output", () => {
    // Its own output directory: other test files bundle the CLI at the same time.
    const outdir = join(ROOT, ".scratchkit/gate-cli");
    const bundle = spawnSync(process.execPath, ["scripts/bundle.mjs", "--only", "cli", "--outdir", outdir], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect([bundle.status, bundle.stderr]).toEqual([0, ""]);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(outdir, "cli.cjs"), "check-elf", ...args], { encoding: "utf8" });
    const ok = run(join(dir, "pie"));
    expect([ok.status, ok.stdout.trim()]).toEqual([0, `${join(dir, "pie")}: OK static-pie amd64`]);
    const bad = run(join(dir, "dynamic"));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("FAIL dynamic");
    const usage = run();
    expect(usage.status).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});
