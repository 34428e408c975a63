import { describe, expect, it } from "vitest";
import { BridgeCallError } from "../../src/gateway/client.js";
import {
  Code,
  decodeSourceDetail,
  errorStatus,
  FrontendError,
  SOURCE_DETAIL_TYPE_URL,
  sourceDetail,
  statusFromError,
} from "../../src/gateway/errors.js";
import { OptsError } from "../../src/gateway/opts.js";
import { google } from "../../src/gen/proto.js";

const manifest = "name: demo\nbuild:\n  run: make\nartifacts:\n  - bin/demo\n";

describe("error statuses", () => {
  it("encodes a Source detail as BuildKit's errdefs.Source+json", () => {
    const any = sourceDetail({
      filename: "scratchkit.yaml",
      data: manifest,
      language: "yaml",
      ranges: [{ start: 3 }, { start: 4, end: 5 }],
    });
    expect(any.type_url).toBe("github.com/moby/buildkit/errdefs.Source+json");
    // Exactly the shape Go's encoding/json produces for errdefs.Source (omitempty tags, []byte as base64).
    expect(JSON.parse(Buffer.from(any.value).toString())).toEqual({
      info: { filename: "scratchkit.yaml", data: Buffer.from(manifest).toString("base64"), language: "yaml" },
      ranges: [
        { start: { line: 3 }, end: { line: 3 } },
        { start: { line: 4 }, end: { line: 5 } },
      ],
    });
  });

  it("round-trips through the wire Status and decodes back", () => {
    const st = errorStatus({
      code: Code.InvalidArgument,
      message: "artifacts[0]: bin/demo is not a static executable",
      source: { filename: "scratchkit.yaml", data: manifest, ranges: [{ start: 5 }] },
    });
    const wire = google.rpc.Status.decode(google.rpc.Status.encode(st).finish());
    expect(wire.code).toBe(3);
    expect(wire.message).toBe("artifacts[0]: bin/demo is not a static executable");
    expect(wire.details).toHaveLength(1);
    const detail = wire.details[0] as google.protobuf.Any;
    expect(detail.type_url).toBe(SOURCE_DETAIL_TYPE_URL);
    const src = decodeSourceDetail(detail);
    expect(src?.filename).toBe("scratchkit.yaml");
    expect(Buffer.from(src?.data as Uint8Array).toString()).toBe(manifest);
    expect(src?.ranges).toEqual([{ start: 5, end: 5 }]);
    expect(decodeSourceDetail({ type_url: "x", value: new Uint8Array() })).toBeUndefined();
  });

  it("defaults to Unknown and never emits code 0", () => {
    expect(errorStatus({ message: "boom" }).code).toBe(2);
    expect(errorStatus({ code: 0, message: "boom" }).code).toBe(2);
    expect(errorStatus({ message: "boom" }).details).toEqual([]);
  });

  it("maps thrown values to statuses", () => {
    expect(statusFromError(new Error("plain"))).toMatchObject({ code: 2, message: "plain" });
    expect(statusFromError("text")).toMatchObject({ code: 2, message: "text" });
    expect(statusFromError(new OptsError("bad opt"))).toMatchObject({ code: 3, message: "bad opt" });
    const fe = new FrontendError("bad manifest", Code.InvalidArgument, {
      filename: "f.yaml",
      data: "a\nb\n",
      ranges: [{ start: 2 }],
    });
    const st = statusFromError(fe);
    expect(st.code).toBe(3);
    expect(decodeSourceDetail(st.details[0] as google.protobuf.Any)?.ranges).toEqual([{ start: 2, end: 2 }]);

    // BuildKit's own failure passes through untouched, details included.
    const vertex = google.protobuf.Any.create({
      type_url: "github.com/moby/buildkit/errdefs.Vertex+json",
      value: Buffer.from('{"digest":"sha256:abc"}'),
    });
    const bce = new BridgeCallError("Solve", { code: 2, details: "exit code: 1", metadata: undefined });
    bce.status.details = [vertex];
    expect(statusFromError(bce)).toEqual(
      google.rpc.Status.create({ code: 2, message: "exit code: 1", details: [vertex] }),
    );
  });
});
