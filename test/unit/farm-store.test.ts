// The farm's job store on a real SQLite file, and the engine pool's choice.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { authorized, hashToken } from "../../src/farm/auth.js";
import { jobError } from "../../src/farm/location.js";
import { EnginePool } from "../../src/farm/pool.js";
import { JobStore } from "../../src/farm/store.js";
import { JobState } from "../../src/farm/types.js";

const file = () => join(mkdtempSync(join(tmpdir(), "farm-store-")), "jobs.sqlite");

describe("JobStore", () => {
  it("keeps jobs and events across a reopen, with sequence numbers per job", () => {
    const f = file();
    const a = new JobStore(f);
    a.insert("j1", { upload: true, tags: ["x:1"] }, 1000);
    a.appendEvent("j1", { state: { state: JobState.QUEUED } }, 1001);
    a.appendEvent("j1", { message: "hi" }, 1002);
    a.close();
    const b = new JobStore(f);
    expect(b.get("j1")?.spec?.tags).toEqual(["x:1"]);
    expect(b.inStates([JobState.QUEUED]).map((j) => j.id)).toEqual(["j1"]);
    const next = b.appendEvent("j1", { message: "again" }, 1003);
    expect(next.seq).toBe(3);
    expect(b.events("j1", 1).map((e) => [e.seq, e.message])).toEqual([
      [2, "hi"],
      [3, "again"],
    ]);
  });

  it("returns the first job for a reused idempotency key", () => {
    const s = new JobStore(file());
    expect(s.insert("a", { upload: true, idempotencyKey: "k" }, 1).created).toBe(true);
    const again = s.insert("b", { upload: true, idempotencyKey: "k" }, 2);
    expect(again).toMatchObject({ created: false, job: { id: "a" } });
    expect(s.get("b")).toBeUndefined();
  });

  it("lists newest first, filtered by state, in pages", () => {
    const s = new JobStore(file());
    for (const id of ["a", "b", "c"]) s.insert(id, { upload: true }, 1);
    s.update("b", { state: JobState.SUCCEEDED });
    const p1 = s.list([], 2, 0);
    expect(p1.jobs.map((j) => j.id)).toEqual(["c", "b"]);
    expect(s.list([], 2, p1.next).jobs.map((j) => j.id)).toEqual(["a"]);
    expect(s.list([JobState.SUCCEEDED], 10, 0).jobs.map((j) => j.id)).toEqual(["b"]);
  });
});

describe("EnginePool.pick", () => {
  const pool = (specs: [string, number][]) =>
    new EnginePool(
      specs.map(([name, concurrency]) => ({ name, host: "unix:///x", concurrency })),
      async () => true,
      () => ({}) as Docker,
    );

  it("picks the least-loaded healthy engine with a free slot", async () => {
    const p = pool([
      ["a", 2],
      ["b", 4],
    ]);
    await p.check();
    const [a, b] = p.engines;
    if (!a || !b) throw new Error("engines");
    expect(p.pick()).toBe(a);
    a.running = 1;
    expect(p.pick()).toBe(b);
    b.running = 3;
    expect(p.pick()).toBe(a);
    a.running = 2;
    expect(p.pick()).toBe(b);
    b.healthy = false;
    expect(p.pick()).toBeUndefined();
  });
});

describe("farm auth and error locations", () => {
  it("accepts only a bearer token whose hash is listed", () => {
    const md = new grpc.Metadata();
    md.set("authorization", "Bearer s3cret");
    expect(authorized(md, [hashToken("s3cret")])).toBe(true);
    expect(authorized(md, [hashToken("other")])).toBe(false);
    expect(authorized(new grpc.Metadata(), [hashToken("s3cret")])).toBe(false);
  });

  it("finds the manifest location and its line in a build error", () => {
    const e = jobError("scratchkit.yaml:2:3: build: unknown key", "name: x\n  bad: 1\n");
    expect(e.location).toMatchObject({ file: "scratchkit.yaml", line: 2, column: 3, sourceLine: "  bad: 1" });
  });
});
