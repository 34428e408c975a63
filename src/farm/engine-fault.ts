// Which build failures are the engine's own (its snapshot or content store losing a race),
// not the build's: those are run again, as a dead engine's jobs are. Pure.

/**
 * BuildKit's storage errors. Seen here: after a farm restart, a re-run build shares a cached
 * step with the dead connection's build, which dockerd is cancelling, and loses the snapshot
 * under it ("failed to commit X to Y during finalize: ... snapshot X does not exist").
 * A failing RUN step never reads like these: it reports "process ... did not complete".
 */
const ENGINE_FAULTS: readonly RegExp[] = [
  /\bsnapshot \S+ does not exist\b/,
  /\bfailed to stat active key during commit\b/,
  /\bfailed to commit \S+ to \S+ during finalize\b/,
  /\bparent snapshot \S+ does not exist\b/,
];

/** Whether a failed build's message is an engine storage fault that another attempt gets past. */
export function isEngineFault(message: string): boolean {
  return ENGINE_FAULTS.some((re) => re.test(message));
}
