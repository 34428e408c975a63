// The farm's core: accepts jobs into the store, queues them FIFO, runs each on the
// least-loaded healthy engine, records its events, and recovers after a restart
// (queued and interrupted jobs run again). The gRPC layer (service.ts) sits on top.
import { randomUUID } from "node:crypto";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { type BuildEvent, EngineBuildError } from "../engine/engine-build.js";
import type { FarmConfig } from "./config.js";
import { readTarFile } from "./context.js";
import { isEngineFault } from "./engine-fault.js";
import type { EngineJobOutcome } from "./engine-job.js";
import { EventBus } from "./events.js";
import { jobError } from "./location.js";
import type { Engine, EnginePool } from "./pool.js";
import type { JobStore } from "./store.js";
import {
  type BuildSpec,
  type EventBody,
  type Job,
  type JobError,
  type JobEvent,
  JobState,
  stateName,
  TERMINAL,
} from "./types.js";

/** A refusal the gRPC layer turns into a status code. */
export class FarmError extends Error {
  override readonly name = "FarmError";
  constructor(
    readonly kind: "not-found" | "invalid" | "exhausted" | "unavailable",
    message: string,
  ) {
    super(message);
  }
}

export interface BuildRequest {
  engine: Engine;
  job: Job;
  /** The uploaded context's tar (absent for git and HTTP contexts). */
  tar?: string;
  signal: AbortSignal;
}

/** Runs (and pushes) one build on an engine; throws EngineBuildError when the build failed. */
export type BuildFn = (req: BuildRequest, onEvent: (e: BuildEvent) => void) => Promise<EngineJobOutcome>;

export interface FarmDeps {
  config: FarmConfig;
  store: JobStore;
  pool: EnginePool;
  build: BuildFn;
  /** Makes sure the engine can build (e.g. has the frontend image). */
  prepareEngine: (e: Engine) => Promise<void>;
  /** The built image's size on the engine. */
  imageSize: (e: Engine, imageId: string) => Promise<number>;
  log: Logger;
  now?: () => number;
}

interface Running {
  controller: AbortController;
  engine: Engine;
  done: Promise<void>;
}

/** Why a running build was aborted. */
type AbortReason = "cancel" | "timeout" | "shutdown";

export class Farm {
  readonly bus = new EventBus();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Running>();
  private accepting = true;
  private readonly now: () => number;
  private readonly contextsDir: string;

  constructor(private readonly d: FarmDeps) {
    this.now = d.now ?? Date.now;
    this.contextsDir = join(d.config.storeDir, "contexts");
    mkdirSync(this.contextsDir, { recursive: true });
  }

  /** Where an upload is received before the job exists. */
  uploadPath(): string {
    return join(this.contextsDir, `upload-${randomUUID()}.part`);
  }

  /** Recovers the queue from the store (interrupted jobs run again), then starts health checks and scheduling. */
  async start(): Promise<void> {
    for (const job of this.d.store.inStates([JobState.RUNNING])) {
      this.setState(
        job.id as string,
        JobState.QUEUED,
        { engine: "" },
        "the farm restarted while it ran: run again",
      );
    }
    for (const job of this.d.store.inStates([JobState.QUEUED])) this.queue.push(job.id as string);
    await this.d.pool.start(this.d.config.healthIntervalMs, (e) => {
      this.d.log.info(
        { engine: e.config.name, healthy: e.healthy, ...(e.healthy ? {} : { reason: e.reason }) },
        "engine health changed",
      );
      this.pump();
    });
    this.pump();
  }

  queued(): number {
    return this.queue.length;
  }

  /** Checks a queue slot is free before an upload is received. */
  checkCapacity(): void {
    if (!this.accepting) throw new FarmError("unavailable", "the farm is shutting down; submit again later");
    if (this.queue.length >= this.d.config.maxQueued)
      throw new FarmError(
        "exhausted",
        `the farm's queue is full (${this.d.config.maxQueued} jobs); submit again when jobs have finished`,
      );
  }

  /**
   * Accepts a job: it is in the store (and its uploaded context under contexts/) before
   * this returns. With an idempotency key already used, returns that job.
   */
  submit(spec: BuildSpec, upload?: string): Job {
    this.checkCapacity();
    const id = randomUUID();
    const ctx = join(this.contextsDir, `${id}.tar`);
    if (upload) renameSync(upload, ctx);
    const { job, created } = this.d.store.insert(id, spec, this.now());
    if (!created) {
      if (upload) rmSync(ctx, { force: true });
      return job;
    }
    this.emit(id, { state: { state: JobState.QUEUED, reason: "accepted" } });
    this.d.log.info({ job: id, state: "queued" }, "job accepted");
    this.queue.push(id);
    this.pump();
    return job;
  }

  get(id: string): Job {
    const job = this.d.store.get(id);
    if (!job) throw new FarmError("not-found", `no job ${id}`);
    return job;
  }

  list(states: readonly JobState[], pageSize: number, after: number) {
    return this.d.store.list(states, pageSize, after);
  }

  /** Cancels a queued job at once, a running one by aborting its build; a finished job is returned as it is. */
  async cancel(id: string): Promise<Job> {
    const job = this.get(id);
    if (TERMINAL.has(job.state as JobState)) return job;
    const i = this.queue.indexOf(id);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.finish(id, JobState.CANCELLED, {}, "cancelled while queued");
      return this.get(id);
    }
    const r = this.running.get(id);
    if (r) {
      r.controller.abort("cancel" satisfies AbortReason);
      await r.done;
    }
    return this.get(id);
  }

  /** The job's stored events after afterSeq, then live ones, until the job ends. */
  watch(id: string, afterSeq: number, send: (e: JobEvent) => void, ended: () => void): () => void {
    this.get(id);
    let last = afterSeq;
    let closed = false;
    const deliver = (e: JobEvent) => {
      if (closed || (e.seq as number) <= last) return;
      last = e.seq as number;
      send(e);
      const s = e.state?.state;
      if (s != null && TERMINAL.has(s)) {
        closed = true;
        unsubscribe();
        ended();
      }
    };
    // Subscribe and replay in the same tick: nothing is stored in between.
    const unsubscribe = this.bus.subscribe(id, deliver);
    for (const e of this.d.store.events(id, afterSeq)) deliver(e);
    if (!closed && TERMINAL.has(this.get(id).state as JobState)) {
      closed = true;
      unsubscribe();
      ended();
    }
    return () => {
      closed = true;
      unsubscribe();
    };
  }

  /** Stops accepting, lets running builds finish until the deadline, then aborts and requeues them. */
  async shutdown(graceMs = this.d.config.shutdownGraceMs): Promise<void> {
    this.accepting = false;
    this.d.pool.stop();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((res) => {
      timer = setTimeout(() => res("late"), graceMs);
    });
    if ((await Promise.race([all(), deadline])) === "late") {
      for (const r of this.running.values()) r.controller.abort("shutdown" satisfies AbortReason);
      await all();
    }
    clearTimeout(timer);
  }

  private emit(id: string, body: EventBody): JobEvent {
    const e = this.d.store.appendEvent(id, body, this.now());
    this.bus.publish(e);
    return e;
  }

  private setState(
    id: string,
    state: JobState,
    extra: Parameters<JobStore["update"]>[1],
    reason: string,
    engine = "",
  ): void {
    this.d.store.update(id, { ...extra, state });
    this.d.log.info({ job: id, state: stateName(state), engine: engine || undefined, reason }, "job state");
    this.emit(id, { state: { state, engine, reason } });
  }

  private finish(
    id: string,
    state: JobState,
    extra: Parameters<JobStore["update"]>[1],
    reason: string,
    engine = "",
  ) {
    this.setState(id, state, { ...extra, finishedMs: this.now() }, reason, engine);
    rmSync(join(this.contextsDir, `${id}.tar`), { force: true });
  }

  private pump(): void {
    if (!this.accepting) return;
    while (this.queue.length > 0) {
      const engine = this.d.pool.pick();
      if (!engine) return;
      const id = this.queue.shift() as string;
      engine.running++;
      const controller = new AbortController();
      const r: Running = { controller, engine, done: Promise.resolve() };
      this.running.set(id, r);
      r.done = this.run(id, engine, controller).finally(() => {
        engine.running--;
        this.running.delete(id);
        this.pump();
      });
    }
  }

  private async run(id: string, engine: Engine, controller: AbortController): Promise<void> {
    const job = this.get(id);
    const name = engine.config.name;
    const attempts = (job.attempts ?? 0) + 1;
    this.setState(
      id,
      JobState.RUNNING,
      { engine: name, startedMs: this.now(), attempts },
      `attempt ${attempts}`,
      name,
    );
    const timer = setTimeout(
      () => controller.abort("timeout" satisfies AbortReason),
      this.d.config.jobTimeoutMs,
    );
    const tar = job.spec?.upload ? join(this.contextsDir, `${id}.tar`) : undefined;
    let started = false;
    try {
      await this.d.prepareEngine(engine);
      started = true;
      const outcome = await this.d.build({ engine, job, tar, signal: controller.signal }, (e) =>
        this.emit(id, buildEventBody(e)),
      );
      const size = await this.d.imageSize(engine, outcome.imageId).catch(() => 0);
      const result = { imageId: outcome.imageId, pushed: outcome.pushed, size, warnings: outcome.warnings };
      this.emit(id, { result });
      this.finish(id, JobState.SUCCEEDED, { result }, "built", name);
    } catch (err) {
      const manifest = tar
        ? await readTarFile(tar, job.spec?.manifest || "scratchkit.yaml").catch(() => undefined)
        : undefined;
      await this.failed(id, engine, controller.signal, err, started, manifest?.toString("utf8"));
    } finally {
      clearTimeout(timer);
    }
  }

  private async failed(
    id: string,
    engine: Engine,
    signal: AbortSignal,
    err: unknown,
    started: boolean,
    manifestText: string | undefined,
  ): Promise<void> {
    const name = engine.config.name;
    const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
    if (reason === "cancel") return this.finish(id, JobState.CANCELLED, {}, "cancelled", name);
    if (reason === "shutdown") return this.requeue(id, "the farm shut down while it ran: run again");
    if (reason === "timeout") {
      const error = {
        message: `the build took longer than the farm's limit of ${this.d.config.jobTimeoutMs / 1000}s`,
      };
      this.emit(id, { error });
      return this.finish(id, JobState.FAILED, { error }, "timed out", name);
    }
    const message = err instanceof Error ? err.message : String(err);
    // The engine went away under the job (before or during its build), or its own store failed
    // the build (not the manifest or a command): the job runs again, on whichever engine is free.
    const engineFailed = (await this.engineDown(engine))
      ? `failed ${started ? "during" : "before"} the build`
      : isEngineFault(message)
        ? "failed the build itself"
        : undefined;
    if (engineFailed && (this.get(id).attempts ?? 0) < this.d.config.maxAttempts) {
      return this.requeue(id, `engine ${name} ${engineFailed} (${firstLine(message)}): run again`);
    }
    const error: JobError = err instanceof EngineBuildError ? jobError(message, manifestText) : { message };
    this.emit(id, { error });
    this.finish(id, JobState.FAILED, { error }, firstLine(message), name);
  }

  /**
   * Whether the engine failed under the job rather than the build failing: a daemon that is
   * stopping may still answer a ping at first, so a healthy answer is checked once more.
   */
  private async engineDown(engine: Engine): Promise<boolean> {
    if (!(await this.d.pool.recheck(engine))) return true;
    await new Promise((r) => setTimeout(r, 1000));
    return !(await this.d.pool.recheck(engine));
  }

  private requeue(id: string, reason: string): void {
    this.setState(id, JobState.QUEUED, { engine: "" }, reason);
    // It was accepted before anything still queued: it goes first.
    this.queue.unshift(id);
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

/** A build event as the job event stored for it. */
export function buildEventBody(e: BuildEvent): EventBody {
  switch (e.type) {
    case "vertex":
      return { vertex: { digest: e.digest, name: e.name, state: e.state, error: e.error ?? "" } };
    case "log":
      return { log: { vertex: e.vertex, stream: e.stream, data: e.data } };
    case "warning":
      return {
        warning: { vertex: e.vertex, level: e.level, short: e.short, detail: e.detail, url: e.url ?? "" },
      };
    case "status":
      return { progress: { vertex: e.vertex, id: e.id, current: e.current, total: e.total } };
    case "message":
      return { message: e.text };
  }
}
