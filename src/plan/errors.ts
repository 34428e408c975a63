import type { Span } from "../manifest/types.js";

/** A problem with the build's options, or one only the plan sees (like two mounts at one path). */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly span?: Span,
    /** Other lines the message names (the first of two mounts at one path), shown too. */
    readonly related: Span[] = [],
  ) {
    super(message);
    this.name = "PlanError";
  }

  /** Every manifest range the error is about, the main one first. */
  get spans(): Span[] {
    return this.span ? [this.span, ...this.related] : [...this.related];
  }
}
