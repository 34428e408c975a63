// What a build on an engine reports, in the shape of src/engine's Engine API build
// (BuildEvent, EngineBuildResult), so the farm records the same events whichever way
// the build reaches the engine.
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
  | { type: "status"; vertex: string; id: string; current: number; total: number }
  | { type: "message"; text: string };

export interface BuildOutcome {
  imageId: string;
  warnings: number;
  /** Digest of the pushed manifest (or index), when pushed. */
  pushedDigest?: string;
}

/** The build failed (the message is BuildKit's, e.g. the frontend's located error). */
export class BuildFailed extends Error {
  override readonly name = "BuildFailed";
}
