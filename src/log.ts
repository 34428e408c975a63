// The frontend's only logger. BuildKit reads our stdout as the HTTP/2 byte
// stream of the gateway connection, so every log line must go to stderr
// (fd 2), which BuildKit forwards to the daemon log.
import { pino } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Picks the level from SCRATCHKIT_LOG_LEVEL; an unknown value falls back to "info" rather than throwing at import. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): pino.Level | "silent" {
  const v = env.SCRATCHKIT_LOG_LEVEL?.trim().toLowerCase();
  return v && LEVELS.has(v) ? (v as pino.Level | "silent") : "info";
}

// sync: a frontend often exits right after Return; async buffers could lose the last lines.
export const log: pino.Logger = pino(
  { name: "scratchkit", level: logLevelFromEnv(), base: { pid: process.pid } },
  pino.destination({ dest: 2, sync: true }),
);

export type Logger = pino.Logger;
