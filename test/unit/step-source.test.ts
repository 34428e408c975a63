// Which manifest lines a failing build step's error gets, when BuildKit does not say.
import { describe, expect, it } from "vitest";
import { attachStepSource } from "../../src/frontend/step-source.js";
import { BridgeCallError } from "../../src/gateway/client.js";
import { decodeSourceDetail } from "../../src/gateway/errors.js";
import type { Marshalled } from "../../src/llb/index.js";
import type { BuildStep } from "../../src/plan/types.js";

const span = (line: number, endLine = line) => ({ line, col: 3, endLine, endCol: 9 });
const steps: BuildStep[] = [
  {
    kind: "packages",
    args: ["apk", "add", "--no-cache", "gcc"],
    name: "[build 1/2]",
    cache: [],
    secrets: [],
    span: span(4),
  },
  {
    kind: "run",
    args: ["/bin/sh", "-c", "make"],
    name: "[build 2/2]",
    cache: [],
    secrets: [],
    span: span(6, 7),
  },
];
const def = {
  definition: { Source: { locations: {} } },
  bytes: new Uint8Array(),
  digests: [],
  root: "",
} as Marshalled;
const source = { filename: "scratchkit.yaml", data: new TextEncoder().encode("..."), language: "YAML" };
const vertex = {
  type_url: "github.com/moby/buildkit/errdefs.Vertex+json",
  value: new TextEncoder().encode(JSON.stringify({ digest: "sha256:not-ours" })),
};

function failed(message: string): BridgeCallError {
  return new BridgeCallError("Solve", { code: 2, details: message });
}

function ranges(err: BridgeCallError) {
  const src = err.status.details.map((d) => decodeSourceDetail(d)).find(Boolean);
  return src?.ranges;
}

describe("attachStepSource", () => {
  it("finds a failed command by the argv in BuildKit's message", () => {
    const err = failed('process "/bin/sh -c make" did not complete successfully: exit code: 2');
    err.status.details.push(vertex);
    attachStepSource(err, def, steps, source);
    expect(ranges(err)).toEqual([{ start: 6, end: 7 }]);
  });

  it("points at all the build's commands when the step cannot be told (e.g. a missing secret)", () => {
    const err = failed("secret token: not found");
    err.status.details.push(vertex);
    attachStepSource(err, def, steps, source);
    expect(ranges(err)).toEqual([{ start: 4, end: 7 }]);
  });

  it("leaves errors that are not about a build step alone", () => {
    const err = failed("connection closed");
    attachStepSource(err, def, steps, source);
    expect(err.status.details).toHaveLength(0);
  });
});
