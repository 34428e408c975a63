// The build farm's test set-up: a second Docker Engine (deploy/engine2.sh), the CLI
// bundled once, `scratchkit farm serve` as a child process with a two-engine config,
// and helpers to follow jobs through the farm's client.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken } from "../../src/farm/auth.js";
import { FarmClient } from "../../src/farm/client.js";
import { type Job, type JobEvent, TERMINAL } from "../../src/farm/types.js";
import { DOCKER, FRONTEND, TOOLCHAIN } from "./engine.js";

export const TOKEN = "farm12-e2e-token";
export const MAIN_HOST = "unix:///var/run/docker.sock";
export const ENGINE2_NAME = "farm12";

export function startEngine2(): string {
  const sock = execFileSync("bash", ["deploy/engine2.sh", "start", TOOLCHAIN], {
    encoding: "utf8",
    env: { ...process.env, SCRATCHKIT_ENGINE2_NAME: ENGINE2_NAME },
  }).trim();
  return `unix://${sock}`;
}

export function stopEngine2(how: "stop" | "down" = "stop"): void {
  execFileSync("bash", ["deploy/engine2.sh", how], {
    stdio: "inherit",
    env: { ...process.env, SCRATCHKIT_ENGINE2_NAME: ENGINE2_NAME },
  });
}

/** deploy/registry-auth.sh: a registry with htpasswd auth for this user; returns its address. */
export function startAuthRegistry(user: string, password: string): string {
  return execFileSync("bash", ["deploy/registry-auth.sh", "start", user], {
    encoding: "utf8",
    env: { ...process.env, SCRATCHKIT_AUTH_REGISTRY_PASSWORD: password },
  }).trim();
}

export function stopAuthRegistry(): void {
  execFileSync("bash", ["deploy/registry-auth.sh", "stop"], { stdio: "inherit" });
}

/** The farm config's registries section: these credentials for this registry. */
export function registriesConfig(host: string, username: string, password: string): string {
  return `registries:\n  - { host: "${host}", username: "${username}", password: "${password}" }\n`;
}

/** docker against one engine of the pool. */
export function dockerOn(host: string, args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(DOCKER, ["-H", host, ...args], { encoding: "utf8", stdio: "pipe" }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** The CLI bundled into the repo's scratch directory (dist/ is the build's; node_modules must resolve). */
export function bundleCli(): string {
  const out = ".scratchkit/farm-e2e";
  execFileSync(process.execPath, ["scripts/bundle.mjs", "--only", "cli", "--outdir", out], {
    stdio: "inherit",
  });
  return join(out, "cli.cjs");
}

export interface FarmSetup {
  dir: string;
  config: string;
  port: number;
}

export function writeConfig(engine2: string, port: number, extra = ""): FarmSetup {
  return writeFarmConfig(
    port,
    `limits: { maxUploadBytes: 1048576, maxQueued: 100, jobTimeoutSeconds: 600 }
engines:
  - { name: main, host: "${MAIN_HOST}", concurrency: 2 }
  - { name: engine2, host: "${engine2}", concurrency: 2 }
${extra}`,
  );
}

/** A farm config in a fresh directory: the test token, the frontend, a fast health check, then `body`. */
export function writeFarmConfig(port: number, body: string): FarmSetup {
  const dir = mkdtempSync(join(tmpdir(), "scratchkit-farm-e2e-"));
  const config = join(dir, "farm.yaml");
  writeFileSync(
    config,
    `listen: 127.0.0.1:${port}
store: ${join(dir, "store")}
tokens: [${hashToken(TOKEN)}]
frontend: { image: ${FRONTEND}, source: "${MAIN_HOST}" }
healthIntervalMs: 500
${body}`,
  );
  return { dir, config, port };
}

export class FarmProcess {
  child: ChildProcess | undefined;
  output = "";

  constructor(
    private readonly cli: string,
    private readonly setup: FarmSetup,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.setup.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [this.cli, "farm", "serve", "--config", this.setup.config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (d) => {
      this.output += String(d);
    });
    await new Promise<void>((res, rej) => {
      const onData = (d: Buffer) => {
        this.output += String(d);
        if (this.output.includes("scratchkit farm listening")) res();
      };
      child.stderr?.on("data", onData);
      child.once("exit", (code) => rej(new Error(`farm serve exited (${code}): ${this.output}`)));
    });
  }

  kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((res) => {
      child.once("exit", () => res());
      child.kill("SIGKILL");
    });
  }

  stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((res) => {
      child.once("exit", () => res());
      child.kill("SIGTERM");
    });
  }

  client(token = TOKEN): FarmClient {
    return new FarmClient(this.address, token);
  }
}

/** Waits until the job ends (polling Get, so it survives a farm restart) and returns it. */
export async function waitJob(client: () => FarmClient, id: string, timeoutMs = 300_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const c = client();
    try {
      const job = await c.get(id);
      if (TERMINAL.has(job.state as number)) return job;
    } catch {
      // The farm is restarting: ask again.
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`job ${id} did not end within ${timeoutMs} ms`);
}

/** Resolves at the first event that matches; rejects if the job's stream ends first. */
export function eventMatching(c: FarmClient, id: string, match: (e: JobEvent) => boolean): Promise<JobEvent> {
  return new Promise((res, rej) => {
    let found = false;
    c.watch(id, (e) => {
      if (!found && match(e)) {
        found = true;
        res(e);
      }
    }).then(() => found || rej(new Error(`job ${id} ended without the awaited event`)), rej);
  });
}

export async function allEvents(c: FarmClient, id: string, afterSeq = 0): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  await c.watch(id, (e) => events.push(e), afterSeq);
  return events;
}
