import { type BuildEvent, EngineBuildError } from "./build-events.js";
import { TraceDecoder } from "./build-trace.js";
import { JsonLines } from "./json-lines.js";

/** What the stream said about the outcome, besides its events. */
export interface EngineOutcome {
  /** `moby.image.id` aux (BuildKit), or a bare `aux.ID` (legacy builder). */
  imageId?: string;
  /** A push's digest: `aux.Digest`, or the `TAG: digest: sha256:... size: N` status line. */
  digest?: string;
  warnings: number;
  /** The first errorDetail / error the engine sent: the operation failed, whatever HTTP said. */
  error?: EngineBuildError;
}

/**
 * Decodes one Engine API JSON stream (build or push) chunk by chunk into events and an
 * outcome. Unlike dockerode's followProgress, an `errorDetail` line is a failure.
 */
export class EngineStreamDecoder {
  readonly outcome: EngineOutcome = { warnings: 0 };
  private readonly lines = new JsonLines();
  private readonly trace = new TraceDecoder();

  push(chunk: Buffer | string): BuildEvent[] {
    return this.lines.push(chunk).flatMap((m) => this.message(m));
  }

  end(): BuildEvent[] {
    return this.lines.end().flatMap((m) => this.message(m));
  }

  private message(raw: unknown): BuildEvent[] {
    if (!isRecord(raw)) return [];
    const detail = isRecord(raw.errorDetail) ? raw.errorDetail : undefined;
    if (detail || typeof raw.error === "string") {
      const message = typeof detail?.message === "string" ? detail.message : String(raw.error ?? "");
      const code = typeof detail?.code === "number" ? detail.code : undefined;
      this.outcome.error ??= new EngineBuildError(
        message || "the engine reported an error without a message",
        code,
      );
      return [];
    }
    if (raw.id === "moby.buildkit.trace" && typeof raw.aux === "string") {
      const events = this.trace.decode(raw.aux);
      this.outcome.warnings += events.filter((e) => e.type === "warning").length;
      return events;
    }
    if (isRecord(raw.aux)) {
      if (typeof raw.aux.ID === "string") this.outcome.imageId = raw.aux.ID;
      if (typeof raw.aux.Digest === "string") this.outcome.digest = raw.aux.Digest;
      return [];
    }
    if (typeof raw.stream === "string") return raw.stream ? [{ type: "message", text: raw.stream }] : [];
    if (typeof raw.status === "string") {
      // The containerd image store reports a push's digest only in this text line, no aux.
      const pushed = /: digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(raw.status);
      if (pushed?.[1]) this.outcome.digest ??= pushed[1];
      return [statusEvent(raw, raw.status)];
    }
    return [];
  }
}

/** A push (or pull) status line: counters when it carries progress, text otherwise. */
function statusEvent(raw: Record<string, unknown>, status: string): BuildEvent {
  const id = typeof raw.id === "string" ? raw.id : "";
  const p = isRecord(raw.progressDetail) ? raw.progressDetail : undefined;
  if (p && (typeof p.current === "number" || typeof p.total === "number")) {
    const count = (n: unknown) => (typeof n === "number" ? n : 0);
    return { type: "status", vertex: "", id, current: count(p.current), total: count(p.total) };
  }
  return { type: "message", text: id ? `${id}: ${status}` : status };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads an engine response stream to its end through a decoder, passing events to onEvent.
 * Rejects when the stream fails, when onEvent throws, or when signal aborts (the stream is
 * destroyed then, which closes the HTTP request so dockerd cancels the operation).
 */
export function followEngineStream(
  stream: NodeJS.ReadableStream,
  decoder: EngineStreamDecoder,
  onEvent: ((e: BuildEvent) => void) | undefined,
  signal?: AbortSignal,
): Promise<EngineOutcome> {
  return new Promise((resolve, reject) => {
    const destroy = () => (stream as Partial<{ destroy(): void }>).destroy?.();
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (err !== undefined) {
        destroy();
        reject(err);
      } else resolve(decoder.outcome);
    };
    const onAbort = () => finish(signal?.reason ?? new Error("aborted"));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const emit = (events: BuildEvent[]) => {
      for (const e of events) onEvent?.(e);
    };
    stream.on("data", (chunk: Buffer | string) => {
      if (settled) return;
      try {
        emit(decoder.push(chunk));
      } catch (err) {
        finish(err);
      }
    });
    stream.on("end", () => {
      if (settled) return;
      try {
        emit(decoder.end());
        finish();
      } catch (err) {
        finish(err);
      }
    });
    stream.on("error", (err) => finish(err));
    // An aborted HTTP response may close without 'end' or 'error'.
    stream.on("close", () => finish(new Error("the engine closed the stream before it ended")));
  });
}
