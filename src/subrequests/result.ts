// A subrequest's answer: a Result with metadata only, no ref, like dockerui's handlers return.
import type { Result } from "../gateway/client.js";

export interface SubrequestAnswer {
  /** Go's json.MarshalIndent(v, "", "  ") of the result struct. */
  json: string;
  /** What BuildKit's Print* function writes for it; buildx prints this for text output. */
  text: string;
  version: string;
  /** Only lint sets it: the exit status `--call check` should end with. */
  statusCode?: number;
}

export function toResult(answer: SubrequestAnswer): Result {
  const enc = new TextEncoder();
  const metadata: Record<string, Uint8Array> = {
    "result.json": enc.encode(answer.json),
    "result.txt": enc.encode(answer.text),
    version: enc.encode(answer.version),
  };
  if (answer.statusCode !== undefined) metadata["result.statuscode"] = enc.encode(String(answer.statusCode));
  return { metadata };
}

/** Matches Go's MarshalIndent layout (two-space indent, `"key": value`). */
export function marshalIndent(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
