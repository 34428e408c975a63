// The durable job store: one SQLite file (better-sqlite3, synchronous, WAL with
// synchronous=FULL) so a job is on disk before Submit answers, and each job's events
// carry sequence numbers for Watch to replay from any point.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { type BuildSpec, type EventBody, type Job, type JobEvent, JobState, pb } from "./types.js";

interface JobRow {
  id: string;
  state: number;
  spec: Buffer;
  engine: string;
  created_ms: number;
  started_ms: number;
  finished_ms: number;
  attempts: number;
  result: Buffer | null;
  error: Buffer | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idem_key TEXT UNIQUE,
  state INTEGER NOT NULL,
  spec BLOB NOT NULL,
  engine TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  result BLOB,
  error BLOB
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, n);
CREATE TABLE IF NOT EXISTS events (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
`;

const COLUMNS = "id, state, spec, engine, created_ms, started_ms, finished_ms, attempts, result, error";

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    state: r.state,
    spec: pb.BuildSpec.decode(r.spec),
    engine: r.engine,
    createdMs: r.created_ms,
    startedMs: r.started_ms,
    finishedMs: r.finished_ms,
    attempts: r.attempts,
    result: r.result ? pb.BuildResult.decode(r.result) : null,
    error: r.error ? pb.JobError.decode(r.error) : null,
  };
}

export interface JobUpdate {
  state?: JobState;
  engine?: string;
  startedMs?: number;
  finishedMs?: number;
  attempts?: number;
  result?: Job["result"];
  error?: Job["error"];
}

export interface ListPage {
  jobs: Job[];
  /** The next page starts after this row (0: no more). */
  next: number;
}

export class JobStore {
  private readonly db: Database.Database;
  private readonly lastSeq = new Map<string, number>();

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // FULL: a committed job survives a power cut, not only a killed process.
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Stores a new queued job; with an idempotency key already used, returns that job instead. */
  insert(id: string, spec: BuildSpec, now: number): { job: Job; created: boolean } {
    const key = spec.idempotencyKey || null;
    const insert = this.db.transaction(() => {
      if (key) {
        const existing = this.db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE idem_key = ?`).get(key) as
          | JobRow
          | undefined;
        if (existing) return { job: toJob(existing), created: false };
      }
      this.db
        .prepare("INSERT INTO jobs (id, idem_key, state, spec, created_ms) VALUES (?, ?, ?, ?, ?)")
        .run(id, key, JobState.QUEUED, Buffer.from(pb.BuildSpec.encode(spec).finish()), now);
      return { job: this.get(id) as Job, created: true };
    });
    return insert.immediate();
  }

  get(id: string): Job | undefined {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`).get(id) as JobRow | undefined;
    return r && toJob(r);
  }

  update(id: string, u: JobUpdate): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (col: string, v: unknown) => {
      sets.push(`${col} = ?`);
      values.push(v);
    };
    if (u.state !== undefined) set("state", u.state);
    if (u.engine !== undefined) set("engine", u.engine);
    if (u.startedMs !== undefined) set("started_ms", u.startedMs);
    if (u.finishedMs !== undefined) set("finished_ms", u.finishedMs);
    if (u.attempts !== undefined) set("attempts", u.attempts);
    if (u.result !== undefined)
      set("result", u.result ? Buffer.from(pb.BuildResult.encode(u.result).finish()) : null);
    if (u.error !== undefined)
      set("error", u.error ? Buffer.from(pb.JobError.encode(u.error).finish()) : null);
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE id = ?`).run(...values, id);
  }

  /** Jobs in these states, oldest first (the queue's order). */
  inStates(states: readonly JobState[]): Job[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM jobs WHERE state IN (${states.map(() => "?").join(",")}) ORDER BY n`)
      .all(...states) as JobRow[];
    return rows.map(toJob);
  }

  countInStates(states: readonly JobState[]): number {
    const r = this.db
      .prepare(`SELECT count(*) AS c FROM jobs WHERE state IN (${states.map(() => "?").join(",")})`)
      .get(...states) as { c: number };
    return r.c;
  }

  /** Newest first, pageSize at a time after the row `after` (0: from the newest). */
  list(states: readonly JobState[], pageSize: number, after: number): ListPage {
    const where: string[] = [];
    const values: unknown[] = [];
    if (states.length) {
      where.push(`state IN (${states.map(() => "?").join(",")})`);
      values.push(...states);
    }
    if (after > 0) {
      where.push("n < ?");
      values.push(after);
    }
    const sql = `SELECT n, ${COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY n DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, pageSize + 1) as (JobRow & { n: number })[];
    const more = rows.length > pageSize;
    const page = rows.slice(0, pageSize);
    return { jobs: page.map(toJob), next: more ? (page.at(-1)?.n ?? 0) : 0 };
  }

  /** Stores the job's next event and returns it with its sequence number. */
  appendEvent(jobId: string, body: EventBody, now: number): JobEvent {
    const seq = this.nextSeq(jobId);
    const event: JobEvent = { ...body, jobId, seq, timeMs: now };
    this.db
      .prepare("INSERT INTO events (job_id, seq, body) VALUES (?, ?, ?)")
      .run(jobId, seq, Buffer.from(pb.JobEvent.encode(event).finish()));
    this.lastSeq.set(jobId, seq);
    return event;
  }

  /** The job's events with a sequence number above afterSeq, in order. */
  events(jobId: string, afterSeq: number): JobEvent[] {
    const rows = this.db
      .prepare("SELECT body FROM events WHERE job_id = ? AND seq > ? ORDER BY seq")
      .all(jobId, afterSeq) as { body: Buffer }[];
    return rows.map((r) => pb.JobEvent.decode(r.body));
  }

  private nextSeq(jobId: string): number {
    let last = this.lastSeq.get(jobId);
    if (last === undefined) {
      const r = this.db.prepare("SELECT max(seq) AS m FROM events WHERE job_id = ?").get(jobId) as {
        m: number | null;
      };
      last = r.m ?? 0;
    }
    return last + 1;
  }
}
