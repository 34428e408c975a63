import type { Span } from "../manifest/types.js";

/** A problem with the build's options, or one only the plan sees (like two mounts at one path). */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly span?: Span,
  ) {
    super(message);
    this.name = "PlanError";
  }
}
