import { type google, moby } from "../gen/proto.js";
import type { BuildEvent } from "./build-events.js";

/**
 * Decodes BuildKit's progress as the Engine API streams it (`aux` of `moby.buildkit.trace`
 * messages: a base64 StatusResponse) into build events. BuildKit re-sends a vertex each time
 * it changes, so one decoder per build remembers which vertexes it has already reported:
 * each vertex is reported started once and finished (completed, cached or error) once.
 */
export class TraceDecoder {
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();

  decode(aux: string): BuildEvent[] {
    const status = moby.buildkit.v1.StatusResponse.decode(Buffer.from(aux, "base64"));
    const events: BuildEvent[] = [];
    for (const v of status.vertexes) this.vertex(v, events);
    for (const s of status.statuses) {
      events.push({
        type: "status",
        vertex: s.vertex ?? "",
        id: s.ID ?? "",
        current: Number(s.current),
        total: Number(s.total),
      });
    }
    for (const l of status.logs) {
      events.push({ type: "log", vertex: l.vertex ?? "", stream: Number(l.stream), data: utf8(l.msg) });
    }
    for (const w of status.warnings) {
      events.push({
        type: "warning",
        vertex: w.vertex ?? "",
        level: Number(w.level),
        short: utf8(w.short),
        detail: (w.detail ?? []).map(utf8),
        ...(w.url ? { url: w.url } : {}),
      });
    }
    return events;
  }

  private vertex(v: moby.buildkit.v1.IVertex, events: BuildEvent[]): void {
    const digest = v.digest ?? "";
    const name = v.name ?? "";
    const started = isoTime(v.started);
    const completed = isoTime(v.completed);
    if (started && !this.started.has(digest)) {
      this.started.add(digest);
      events.push({ type: "vertex", digest, name, state: "started", started });
    }
    if (this.finished.has(digest)) return;
    const state = v.error ? "error" : v.cached ? "cached" : completed ? "completed" : undefined;
    if (!state) return;
    this.finished.add(digest);
    events.push({
      type: "vertex",
      digest,
      name,
      state,
      ...(v.error ? { error: v.error } : {}),
      ...(started ? { started } : {}),
      ...(completed ? { completed } : {}),
    });
  }
}

function utf8(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") : "";
}

/** A protobuf Timestamp as an ISO 8601 string (millisecond precision), or undefined. */
function isoTime(t: google.protobuf.ITimestamp | null | undefined): string | undefined {
  if (!t) return undefined;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}
