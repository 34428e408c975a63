// frontend.subrequests.describe: which subrequests this frontend answers (subrequests/describe.go).
import { LINT_REQUEST } from "./lint.js";
import { OUTLINE_REQUEST } from "./outline.js";
import { marshalIndent, type SubrequestAnswer } from "./result.js";
import { tabulate } from "./tabwriter.js";
import { TARGETS_REQUEST } from "./targets.js";
import { RESULT_METADATA, type RequestDefinition } from "./types.js";

export const DESCRIBE_REQUEST: RequestDefinition = {
  name: "frontend.subrequests.describe",
  version: "1.0.0",
  type: "rpc",
  description: "List available subrequest types",
  opts: null,
  inputs: null,
  metadata: RESULT_METADATA,
  refs: null,
};

/** Everything we answer, in the order the Dockerfile frontend lists its own. */
export const SUPPORTED: readonly RequestDefinition[] = [
  OUTLINE_REQUEST,
  TARGETS_REQUEST,
  LINT_REQUEST,
  DESCRIBE_REQUEST,
];

export function describeAnswer(): SubrequestAnswer {
  const rows = [
    ["NAME", "VERSION", "DESCRIPTION"],
    ...SUPPORTED.map((r) => [r.name.replace(/^frontend\./, ""), r.version, r.description]),
  ];
  return { json: marshalIndent(SUPPORTED), text: tabulate(rows, 1), version: DESCRIBE_REQUEST.version };
}
