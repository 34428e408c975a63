// The stdio transport in a real child process: process.stdin/stdout are OS pipes
// connected to the fake bridge, as BuildKit connects a frontend container.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeBridge, startFakeBridge } from "./fixtures/fake-bridge.js";

const outDir = join(process.cwd(), "node_modules", ".cache", "scratchkit-gateway-test");
const bundle = join(outDir, "frontend.mjs");

function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
  });
}

interface Run {
  child: ChildProcess;
  stdout: Buffer[];
  stderr: Buffer[];
  exit: Promise<number | null>;
}

function runFrontend(conn: Socket, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [bundle], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, SCRATCHKIT_LOG_LEVEL: "debug", ...env },
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  conn.pipe(child.stdin as NodeJS.WritableStream);
  child.stdin?.on("error", () => {});
  child.stdout?.on("data", (d: Buffer) => {
    stdout.push(d);
    if (!conn.destroyed) conn.write(d);
  });
  child.stderr?.on("data", (d: Buffer) => stderr.push(d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout, stderr, exit };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}

describe("frontend process over real stdin/stdout", () => {
  let fake: FakeBridge | undefined;
  let run: Run | undefined;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    // No tsx here: bundle the TypeScript entry with esbuild, dependencies left external.
    await build({
      entryPoints: [join(process.cwd(), "test/unit/fixtures/fake-bridge-frontend.ts")],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
  });

  afterEach(async () => {
    run?.child.kill("SIGKILL");
    await fake?.stop();
  });

  it("pings, solves, returns, and exits 0 on its own; stdout carries only HTTP/2", async () => {
    fake = await startFakeBridge({
      Ping: () => ({ FrontendAPICaps: [{ ID: "solve.base", Enabled: true }] }),
      Solve: () => ({ result: { ref: { id: "r1" } } }),
      Return: () => ({}),
    });
    const conn = await connectSocket(fake.socketPath);
    run = runFrontend(conn);
    const code = await withTimeout(run.exit, 15_000, "frontend exit");
    const stderr = Buffer.concat(run.stderr).toString();
    expect(code, stderr).toBe(0);
    expect(fake.calls.Solve?.[0].allowResultReturn).toBe(true);
    const ret = fake.calls.Return?.[0];
    expect(ret.result.ref.id).toBe("r1");
    expect(Buffer.from(ret.result.metadata.hello).toString()).toBe("world");
    // Logs went to stderr as JSON lines, never to stdout.
    expect(stderr).toMatch(/"msg":"connected"/);
    const out = Buffer.concat(run.stdout);
    expect(out.subarray(0, 24).toString("latin1")).toBe("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    expect(out.includes(Buffer.from('"msg"'))).toBe(false);
    conn.destroy();
  });

  it("exits cleanly when BuildKit closes the connection mid-build", async () => {
    fake = await startFakeBridge({ Ping: () => ({}) });
    const conn = await connectSocket(fake.socketPath);
    run = runFrontend(conn, { FAKE_FRONTEND_MODE: "wait" });
    // Wait until the frontend is connected, then hang up like BuildKit does.
    await withTimeout(
      (async () => {
        while (!fake?.calls.Ping) await new Promise((r) => setTimeout(r, 20));
      })(),
      15_000,
      "ping",
    );
    run.child.stdin?.end();
    const code = await withTimeout(run.exit, 15_000, "frontend exit after stdin EOF");
    expect(code, Buffer.concat(run.stderr).toString()).toBe(0);
    conn.destroy();
  });
});
