// The farm's protobuf types under short names (generated from proto/scratchkit/farm/v1).
import { scratchkit } from "../gen/proto.js";

export const pb = scratchkit.farm.v1;
export const JobState = pb.JobState;
export type JobState = scratchkit.farm.v1.JobState;
export type Job = scratchkit.farm.v1.Job.$Properties;
export type BuildSpec = scratchkit.farm.v1.BuildSpec.$Properties;
export type PushedImage = scratchkit.farm.v1.PushedImage.$Properties;
export type BuildResult = scratchkit.farm.v1.BuildResult.$Properties;
export type JobError = scratchkit.farm.v1.JobError.$Properties;
export type JobEvent = scratchkit.farm.v1.JobEvent.$Properties;
/** An event before the store gives it its job id, sequence number and time. */
export type EventBody = Omit<JobEvent, "jobId" | "seq" | "timeMs">;

export const TERMINAL: ReadonlySet<JobState> = new Set([
  JobState.SUCCEEDED,
  JobState.FAILED,
  JobState.CANCELLED,
]);

export function stateName(s: JobState | null | undefined): string {
  return (JobState[s ?? 0] ?? "UNKNOWN").toLowerCase();
}

/** The state a job ends in once this event is stored, if the event ends it. */
export function terminalState(e: JobEvent): JobState | undefined {
  const s = e.state?.state;
  return s != null && TERMINAL.has(s) ? s : undefined;
}
