import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { EngineBuildError } from "../../src/engine/engine-build.js";
import type { FarmConfig } from "../../src/farm/config.js";
import { isEngineFault } from "../../src/farm/engine-fault.js";
import { type BuildFn, Farm } from "../../src/farm/farm.js";
import { EnginePool } from "../../src/farm/pool.js";
import { JobStore } from "../../src/farm/store.js";
import { type Job, JobState, TERMINAL } from "../../src/farm/types.js";

// The message the engine sent in CI when a restarted farm's re-run lost a snapshot to the
// dead connection's cancelled build (Docker 28.5, containerd store).
const LOST_SNAPSHOT =
  "failed to commit 7xqq5du308w5z11mp7g0dw89j to lt18692xrxo3xjabpiwyppjlb during finalize: failed to stat active key during commit: snapshot 7xqq5du308w5z11mp7g0dw89j does not exist: not found";
// What a failing RUN step reports (Docker 28.5).
const FAILED_COMMAND =
  'process "/bin/sh -c cc -o /out/hello hello.c" did not complete successfully: exit code: 1';

function farmWith(build: BuildFn, maxAttempts = 3): Farm {
  const config: FarmConfig = {
    listen: "127.0.0.1:0",
    storeDir: mkdtempSync(join(tmpdir(), "farm-fault-")),
    tokenHashes: [],
    auth: false,
    engines: [{ name: "e1", host: "unix:///nowhere.sock", concurrency: 1 }],
    frontendImage: "scratchkit/frontend:test",
    maxQueued: 10,
    maxUploadBytes: 1 << 20,
    jobTimeoutMs: 60_000,
    maxAttempts,
    healthIntervalMs: 60_000,
    shutdownGraceMs: 1000,
    registries: [],
  };
  const pool = new EnginePool(
    config.engines,
    async () => true,
    () => ({}) as Docker,
  );
  return new Farm({
    config,
    store: new JobStore(":memory:"),
    pool,
    build,
    prepareEngine: async () => {},
    imageSize: async () => 0,
    log: pino({ level: "silent" }),
  });
}

async function finished(farm: Farm, id: string): Promise<Job> {
  for (;;) {
    const job = farm.get(id);
    if (TERMINAL.has(job.state as JobState)) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("engine faults", () => {
  it("tells the engine's storage errors from a build's own failure", () => {
    expect(isEngineFault(LOST_SNAPSHOT)).toBe(true);
    expect(isEngineFault(FAILED_COMMAND)).toBe(false);
    expect(isEngineFault("scratchkit.yaml:4:3: unknown key imagex")).toBe(false);
  });

  it("runs a job again when the engine's store failed it, and succeeds", async () => {
    let calls = 0;
    const farm = farmWith(async () => {
      calls++;
      if (calls === 1) throw new EngineBuildError(LOST_SNAPSHOT);
      return { imageId: "sha256:abc", warnings: 0, pushed: [] };
    });
    await farm.start();
    const job = farm.submit({ manifest: "scratchkit.yaml" } as never);
    const done = await finished(farm, job.id as string);
    await farm.shutdown(0);
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(done.attempts).toBe(2);
    expect(calls).toBe(2);
  });

  it("fails a job at once when a command failed, and after maxAttempts engine faults", async () => {
    const failing = farmWith(async () => {
      throw new EngineBuildError(FAILED_COMMAND);
    });
    await failing.start();
    const a = await finished(failing, failing.submit({ manifest: "scratchkit.yaml" } as never).id as string);
    await failing.shutdown(0);
    expect(a.state).toBe(JobState.FAILED);
    expect(a.attempts).toBe(1);

    const faulty = farmWith(async () => {
      throw new EngineBuildError(LOST_SNAPSHOT);
    }, 2);
    await faulty.start();
    const b = await finished(faulty, faulty.submit({ manifest: "scratchkit.yaml" } as never).id as string);
    await faulty.shutdown(0);
    expect(b.state).toBe(JobState.FAILED);
    expect(b.attempts).toBe(2);
    expect(b.error?.message).toContain("does not exist");
  });
});
