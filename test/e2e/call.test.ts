// `docker buildx build --call ...` (subrequests) and lint warnings on a real engine.
import { spawnSync } from "node:child_process";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildx,
  context,
  DOCKER,
  HELLO_C,
  manifest,
  removeImage,
  suiteProblem,
  TOOLCHAIN,
} from "./engine.js";

const problem = suiteProblem();

/** A `--call` build: stdout is the result buildx prints, stderr the progress. */
function call(fn: string, cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    DOCKER,
    ["buildx", "build", "--progress=plain", `--call=${fn}`, "-f", "scratchkit.yaml", "."],
    {
      cwd,
      encoding: "utf8",
      maxBuffer: 16 << 20,
    },
  );
  // Plain text, as engine.ts's buildx(): buildx may colour its output without a terminal.
  return {
    code: r.status ?? -1,
    stdout: stripVTControlCharacters(r.stdout),
    stderr: stripVTControlCharacters(r.stderr),
  };
}

// Unstripped, running as root, on an image tagged latest: three lint findings. The build
// image is only named, never pulled, by the --call requests.
const FINDINGS = manifest(
  "args:",
  "  # Greeting the program prints",
  "  GREETING: hello",
  "build:",
  `  image: ${TOOLCHAIN.replace(/:.*$/, "")}:latest`,
  "  package-manager: none",
  "  run:",
  "    - run: musl-gcc -static -Os -o /out/hello hello.c",
  "      secrets: [{id: token, required: true}]",
  "artifacts: [hello]",
  "targets:",
  "  cli:",
  "    description: The command-line tool",
  "    artifacts: [hello]",
  "    essentials: [nonroot]",
);

describe.skipIf(problem !== undefined)("--call on a real engine", () => {
  let dir: string;
  beforeAll(() => {
    dir = context({ "scratchkit.yaml": FINDINGS, "hello.c": HELLO_C });
  });

  it("--call targets lists the targets, the first as the default", () => {
    const r = call("targets", dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^TARGET\s+DESCRIPTION\n/);
    expect(r.stdout).toMatch(/^hello \(default\)\s*$/m);
    expect(r.stdout).toMatch(/^cli\s+The command-line tool$/m);
  });

  it("--call=targets,format=json gives BuildKit's targets JSON", () => {
    const r = call("targets,format=json", dir);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as {
      targets: { name: string; default?: boolean; location?: unknown }[];
    };
    expect(list.targets.map((t) => [t.name, t.default ?? false])).toEqual([
      ["hello", true],
      ["cli", false],
    ]);
    expect(list.targets[1]?.location).toEqual({
      ranges: [{ start: { line: 13, character: 2 }, end: { line: 16, character: 25 } }],
    });
  });

  it("--call outline lists build args with their comment and the secrets", () => {
    const r = call("outline", dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^TARGET:\s+hello$/m);
    expect(r.stdout).toMatch(/^GREETING\s+hello\s+Greeting the program prints$/m);
    expect(r.stdout).toMatch(/^SECRET\s+REQUIRED\n/m);
    expect(r.stdout).toMatch(/^token\s+true$/m);
  });

  it("--call check lists the findings with their lines and exits 1", () => {
    const r = call("check", dir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("Check complete, 3 warnings have been found!");
    for (const rule of ["UnpinnedBaseImage", "UnstrippedBuild", "RunsAsRoot"]) {
      expect(r.stdout).toMatch(new RegExp(`^WARNING: ${rule} - https://\\S+#${rule.toLowerCase()}$`, "m"));
    }
    expect(r.stdout).toMatch(/^\s+9 \| >>> {5}- run: musl-gcc -static -Os -o \/out\/hello hello\.c$/m);
  });

  it("--call check passes a clean manifest", () => {
    const clean = context({
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
        "artifacts: [hello]",
        "essentials: [nonroot]",
      ),
      "hello.c": HELLO_C,
    });
    const r = call("check", clean);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Check complete, no warnings found.");
  });

  it("--call check reports a manifest that does not parse as the error, with its line", () => {
    const bad = context({
      "scratchkit.yaml": manifest("build:", "  pakages: [gcc]", "  run: true", "artifacts: [x]"),
    });
    const r = call("check", bad);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("unknown key build.pakages; did you mean build.packages?");
  });

  it("--call subrequests.describe lists what the frontend answers", () => {
    const r = call("subrequests.describe", dir);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ["outline", "targets", "lint", "subrequests.describe"]) {
      // outline is 1.1.0 (1.0.0 plus named contexts), so buildx prints its result.txt as sent.
      const version = name === "outline" ? "1\\.1\\.0" : "1\\.0\\.0";
      expect(r.stdout).toMatch(new RegExp(`^${name.replace(".", "\\.")}\\s+${version}\\s+`, "m"));
    }
  });

  it("an unknown request fails as unsupported", () => {
    const r = call("nonsense", dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unsupported request frontend.nonsense");
  });
});

describe.skipIf(problem !== undefined)("lint findings as build warnings", () => {
  const tag = "scratchkit-e2e/lint-warnings:test";
  afterAll(() => removeImage(tag));

  it("a normal build prints the findings as warnings with their lines", () => {
    const dir = context({
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: musl-gcc -static -Os -o /out/hello hello.c",
        "artifacts: [hello]",
      ),
      "hello.c": HELLO_C,
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", tag, "."], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/\d+ warnings? found/);
    expect(r.output).toMatch(/- RunsAsRoot: target hello runs as root; .* \(line 6\)/);
    // During a build the gate measures stripping on the binary itself; lint's guess from the
    // command is not repeated beside it.
    expect(r.output).toMatch(/\/out\/hello is not stripped: stripping saves about \d+ KiB/);
    expect(r.output).not.toContain("UnstrippedBuild");
  });
});
