// Decodes `docker buildx build --progress=rawjson` output (one BuildKit SolveStatus as
// JSON per line; []byte fields are base64) into BuildEvents, once per vertex state.
import type { BuildEvent } from "./build-events.js";

interface RawVertex {
  digest: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}
interface RawStatus {
  id: string;
  vertex: string;
  current?: number;
  total?: number;
  completed?: string;
}
interface RawLog {
  vertex: string;
  stream?: number;
  data?: string;
}
interface RawWarning {
  vertex: string;
  level?: number;
  short?: string;
  detail?: string[];
  url?: string;
}
interface SolveStatus {
  vertexes?: RawVertex[];
  statuses?: RawStatus[];
  logs?: RawLog[];
  warnings?: RawWarning[];
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, "base64").toString("utf8") : "");

function vertexState(v: RawVertex): "started" | "completed" | "cached" | "error" | undefined {
  if (v.error) return "error";
  if (v.cached) return "cached";
  if (v.completed) return "completed";
  return v.started ? "started" : undefined;
}

/** A stateful decoder: feed it lines, it returns the new events. */
export class RawJsonDecoder {
  private readonly seen = new Map<string, string>();

  decodeLine(line: string): BuildEvent[] {
    const text = line.trimEnd();
    if (!text) return [];
    if (!text.startsWith("{")) return [{ type: "message", text }];
    let s: SolveStatus;
    try {
      s = JSON.parse(text) as SolveStatus;
    } catch {
      return [{ type: "message", text }];
    }
    const out: BuildEvent[] = [];
    for (const v of s.vertexes ?? []) {
      const state = vertexState(v);
      if (!state || this.seen.get(v.digest) === state) continue;
      this.seen.set(v.digest, state);
      out.push({
        type: "vertex",
        digest: v.digest,
        name: v.name ?? "",
        state,
        ...(v.error && { error: v.error }),
        ...(v.started && { started: v.started }),
        ...(v.completed && { completed: v.completed }),
      });
    }
    // Progress only when a status finishes: byte counters would flood the job's record.
    for (const st of s.statuses ?? [])
      if (st.completed)
        out.push({
          type: "status",
          vertex: st.vertex,
          id: st.id,
          current: st.current ?? 0,
          total: st.total ?? 0,
        });
    for (const l of s.logs ?? [])
      out.push({ type: "log", vertex: l.vertex, stream: l.stream ?? 1, data: b64(l.data) });
    for (const w of s.warnings ?? [])
      out.push({
        type: "warning",
        vertex: w.vertex,
        level: w.level ?? 0,
        short: b64(w.short),
        detail: (w.detail ?? []).map(b64),
        ...(w.url && { url: w.url }),
      });
    return out;
  }
}
