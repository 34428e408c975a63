// Finds the manifest location (file:line:col) a build error names, with that line's text.
import type { JobError } from "./types.js";

const LOCATED = /([\w./-]+\.ya?ml):(\d+):(\d+)/;

export function jobError(message: string, manifestText?: string): JobError {
  const m = LOCATED.exec(message);
  if (!m) return { message };
  const line = Number(m[2]);
  const sourceLine = manifestText?.split("\n")[line - 1]?.replace(/\r$/, "") ?? "";
  return { message, location: { file: m[1], line, column: Number(m[3]), sourceLine } };
}
