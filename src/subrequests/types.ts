// The JSON shapes of BuildKit's subrequest results (frontend/subrequests/*), as Go's
// encoding/json writes them: buildx decodes result.json into those Go structs, so field
// names and omitempty behaviour follow the Go tags, not our own taste.
import type { Span } from "../manifest/types.js";

/** subrequests.Named */
export interface Named {
  name: string;
  description: string;
}

/** subrequests.Request, one entry of the describe result. */
export interface RequestDefinition {
  name: string;
  version: string;
  type: "rpc";
  description: string;
  opts: Named[] | null;
  inputs: Named[] | null;
  metadata: Named[] | null;
  refs: Named[] | null;
}

/** pb.Position: 1-based line, 0-based character; zero fields are omitted like Go's omitempty. */
export interface PositionJson {
  line?: number;
  character?: number;
}

export interface RangeJson {
  start?: PositionJson;
  end?: PositionJson;
}

/** pb.Location: which entry of the result's sources, and where in it. */
export interface LocationJson {
  sourceIndex?: number;
  ranges?: RangeJson[];
}

function position(line: number, character: number): PositionJson {
  const p: PositionJson = {};
  if (line !== 0) p.line = line;
  if (character !== 0) p.character = character;
  return p;
}

/**
 * A manifest span as a pb.Range. Our columns are 1-based and the end column inclusive;
 * BuildKit's characters are 0-based with an exclusive end, so both map to `col - 1` / `endCol`.
 */
export function rangeOf(span: Span): RangeJson {
  return { start: position(span.line, span.col - 1), end: position(span.endLine, span.endCol) };
}

export function locationOf(spans: Span[], sourceIndex = 0): LocationJson {
  const loc: LocationJson = {};
  if (sourceIndex !== 0) loc.sourceIndex = sourceIndex;
  if (spans.length > 0) loc.ranges = spans.map(rangeOf);
  return loc;
}

/** The metadata keys every subrequest result carries. */
export const RESULT_METADATA: Named[] = [
  { name: "result.json", description: "" },
  { name: "result.txt", description: "" },
];
