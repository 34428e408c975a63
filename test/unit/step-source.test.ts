// Which manifest lines a failing build step's error gets, when BuildKit does not say.
import { describe, expect, it } from "vitest";
import { attachStepSource } from "../../src/frontend/step-source.js";
import { BridgeCallError } from "../../src/gateway/client.js";
import { decodeSourceDetail } from "../../src/gateway/errors.js";
import { image, type Marshalled, marshal } from "../../src/llb/index.js";
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

function vertexOf(digest: string) {
  return { type_url: vertex.type_url, value: new TextEncoder().encode(JSON.stringify({ digest })) };
}

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

  it("takes the lines of the op whose digest BuildKit names, before the message's argv", () => {
    // A real definition whose exec op carries lines 9-10; the message names step 2 (lines 6-7),
    // so only the digest lookup can give 9-10.
    const at = { source, ranges: [{ start: { line: 9 }, end: { line: 10 } }] };
    const real = marshal(image("busybox").run({ args: ["/bin/sh", "-c", "make"], location: at }), {
      platform: { os: "linux", architecture: "amd64" },
    });
    const execDigest = real.digests[1] as string;
    const err = failed('process "/bin/sh -c make" did not complete successfully: exit code: 2');
    err.status.details.push(vertexOf(execDigest));
    attachStepSource(err, real, steps, source);
    expect(ranges(err)).toEqual([{ start: 9, end: 10 }]);
    // A digest of an op without lines falls through to the message.
    const other = failed('process "/bin/sh -c make" did not complete successfully: exit code: 2');
    other.status.details.push(vertexOf(real.digests[0] as string));
    attachStepSource(other, real, steps, source);
    expect(ranges(other)).toEqual([{ start: 6, end: 7 }]);
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
