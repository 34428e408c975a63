import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { dockerCli } from "../../src/engine/cli.js";

/** The docker CLI with buildx that deploy/engine.sh installed (or the one on PATH). */
export const DOCKER = dockerCli();

export const FRONTEND = process.env.SCRATCHKIT_FRONTEND_IMAGE ?? "scratchkit/frontend:dev";
export const TOOLCHAIN = process.env.SCRATCHKIT_TOOLCHAIN_IMAGE ?? "scratchkit/toolchain:bookworm";

/**
 * Why the end-to-end suite cannot run here, or undefined when it can. CI must run it, so
 * under CI a missing engine is an error, never a skip.
 */
export function engineProblem(): string | undefined {
  const info = spawnSync(DOCKER, ["buildx", "version"], { encoding: "utf8" });
  if (info.status !== 0) return `no docker CLI with buildx at ${DOCKER} (run: npm run engine)`;
  const img = spawnSync(DOCKER, ["image", "inspect", FRONTEND, TOOLCHAIN], { encoding: "utf8" });
  if (img.status !== 0) return `images missing (${FRONTEND}, ${TOOLCHAIN}): run npm test, which builds them`;
  return undefined;
}

/**
 * Checks the engine once per suite file: under CI a missing engine fails the run (the
 * suite must run there), elsewhere the suite is skipped with the reason printed.
 * Returns the reason to pass to describe.skipIf.
 */
export function suiteProblem(): string | undefined {
  const problem = engineProblem();
  if (problem && process.env.CI) throw new Error(`end-to-end tests must run in CI, but: ${problem}`);
  if (problem) console.warn(`SKIPPING end-to-end tests: ${problem}`);
  return problem;
}

/** Test image tags under one prefix, removed (before use and) by cleanup(). */
export function tagger(prefix: string): { tag: (name: string) => string; cleanup: () => void } {
  const tags: string[] = [];
  return {
    tag(name) {
      const t = `scratchkit-e2e/${prefix}${name}:test`;
      tags.push(t);
      removeImage(t);
      return t;
    },
    cleanup() {
      for (const t of tags) removeImage(t);
    },
  };
}

export interface BuildRun {
  code: number;
  output: string;
  ms: number;
}

/** `docker buildx build` with plain progress; output is stdout and stderr together. */
export function buildx(args: string[], cwd: string): BuildRun {
  return buildxCommand("build", args, cwd);
}

/** `docker buildx bake` with plain progress in `cwd` (which holds docker-bake.hcl). */
export function bake(targets: string[], cwd: string): BuildRun {
  return buildxCommand("bake", targets, cwd);
}

function buildxCommand(command: "build" | "bake", args: string[], cwd: string): BuildRun {
  const start = performance.now();
  const r = spawnSync(DOCKER, ["buildx", command, "--progress=plain", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  // buildx colours its warning summary even without a terminal (seen under CI): match plain text.
  const output = stripVTControlCharacters(`${r.stdout}${r.stderr}`);
  return { code: r.status ?? -1, output, ms: performance.now() - start };
}

/**
 * `buildx` without blocking the event loop, for tests whose own servers (HTTP on
 * 127.0.0.1) must answer the engine during the build; `input` goes to stdin.
 */
export function buildxAsync(args: string[], cwd: string, input?: Uint8Array): Promise<BuildRun> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, ["buildx", "build", "--progress=plain", ...args], { cwd });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, output: stripVTControlCharacters(output), ms: performance.now() - start }),
    );
    child.stdin.end(input ?? new Uint8Array());
  });
}

export function imageExists(tag: string): boolean {
  return spawnSync(DOCKER, ["image", "inspect", tag], { encoding: "utf8" }).status === 0;
}

export function removeImage(tag: string): void {
  spawnSync(DOCKER, ["image", "rm", "-f", tag], { encoding: "utf8" });
}

export function docker(args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: "utf8", maxBuffer: 64 << 20 });
}

/** A build context in a fresh temp dir: file name → content. */
export function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "scratchkit-e2e-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export const HELLO_C = '#include <stdio.h>\n\nint main() { puts("hello"); }\n';

/** A manifest on the offline Debian toolchain image; `lines` follow the syntax line. */
export function manifest(...lines: string[]): string {
  return [`# syntax=${FRONTEND}`, ...lines, ""].join("\n");
}
