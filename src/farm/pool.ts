// The engine pool: each engine's Docker client, its health (ping, checked continuously)
// and how many jobs it runs; the scheduler asks it for the least-loaded healthy engine.
import type Docker from "dockerode";
import type { EngineConfig } from "./config.js";
import { dockerFor } from "./docker-host.js";

export interface Engine {
  readonly config: EngineConfig;
  readonly docker: Docker;
  healthy: boolean;
  running: number;
  /** Why the last health check failed (e.g. the engine refused our TLS client certificate). */
  reason?: string;
}

export type PingFn = (e: Engine) => Promise<boolean>;

const PING_TIMEOUT_MS = 3000;

/** A ping that must answer within a few seconds (a stopped daemon's socket may hang or refuse). */
export async function pingEngine(e: Engine): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((res) => {
    timer = setTimeout(() => {
      e.reason = `no answer to ping within ${PING_TIMEOUT_MS} ms`;
      res(false);
    }, PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      e.docker.ping().then(
        () => {
          e.reason = undefined;
          return true;
        },
        (err: unknown) => {
          e.reason = err instanceof Error ? err.message : String(err);
          return false;
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class EnginePool {
  readonly engines: Engine[];
  private timer: NodeJS.Timeout | undefined;
  /** Engines checked at least once: the first verdict is reported even when it is "unhealthy". */
  private readonly checked = new Set<Engine>();

  constructor(
    configs: EngineConfig[],
    private readonly ping: PingFn = pingEngine,
    connect: (c: EngineConfig) => Docker = (c) => dockerFor(c.host, c.tls, c.name),
  ) {
    this.engines = configs.map((config) => ({ config, docker: connect(config), healthy: false, running: 0 }));
  }

  /** Pings every engine once; calls onChange for each engine whose health changed. */
  async check(onChange: (e: Engine) => void = () => {}): Promise<void> {
    await Promise.all(
      this.engines.map(async (e) => {
        const ok = await this.ping(e);
        if (ok !== e.healthy || !this.checked.has(e)) {
          this.checked.add(e);
          e.healthy = ok;
          onChange(e);
        }
      }),
    );
  }

  /** Checks now, then every intervalMs until stop(). */
  async start(intervalMs: number, onChange: (e: Engine) => void): Promise<void> {
    await this.check(onChange);
    const loop = () => {
      this.timer = setTimeout(() => void this.check(onChange).finally(loop), intervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Pings one engine now (after a failure on it) and returns whether it is healthy. */
  async recheck(e: Engine): Promise<boolean> {
    e.healthy = await this.ping(e);
    return e.healthy;
  }

  byName(name: string): Engine | undefined {
    return this.engines.find((e) => e.config.name === name);
  }

  /** The healthy engine with a free slot and the lowest load (running / concurrency); ties go to the first listed. */
  pick(): Engine | undefined {
    let best: Engine | undefined;
    for (const e of this.engines) {
      if (!e.healthy || e.running >= e.config.concurrency) continue;
      if (!best || e.running / e.config.concurrency < best.running / best.config.concurrency) best = e;
    }
    return best;
  }
}
