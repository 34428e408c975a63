// Live job events for watchers: the store records every event first, then it is
// published here, so a watcher that subscribes and replays in the same tick misses none.
import { EventEmitter } from "node:events";
import type { JobEvent } from "./types.js";

export class EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(e: JobEvent): void {
    this.emitter.emit(e.jobId ?? "", e);
  }

  subscribe(jobId: string, fn: (e: JobEvent) => void): () => void {
    this.emitter.on(jobId, fn);
    return () => this.emitter.off(jobId, fn);
  }
}
