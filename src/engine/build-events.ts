/** What a build (or push) on the Docker Engine API reports while it runs. */
export type BuildEvent =
  | {
      type: "vertex";
      digest: string;
      name: string;
      state: "started" | "completed" | "cached" | "error";
      error?: string;
      started?: string;
      completed?: string;
    }
  | { type: "log"; vertex: string; stream: number; data: string }
  | { type: "warning"; vertex: string; level: number; short: string; detail: string[]; url?: string }
  /** Layer / transfer counters (BuildKit's VertexStatus, or a push's progressDetail). */
  | { type: "status"; vertex: string; id: string; current: number; total: number }
  /** Plain text lines: the legacy builder's `stream`, a push's `status`. */
  | { type: "message"; text: string };

/** The engine reported the build (or push) failed: its `errorDetail` message, verbatim. */
export class EngineBuildError extends Error {
  override name = "EngineBuildError";
  constructor(
    message: string,
    /** errorDetail.code when the engine sent one. */
    readonly code?: number,
  ) {
    super(message);
  }
}
