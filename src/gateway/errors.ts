// google.rpc.Status values for ReturnRequest.error. BuildKit's gateway turns the
// status back into a Go error (grpcerrors.FromGRPC) and re-encodes typed details
// for the client, so a Source detail makes buildx print the manifest snippet
// exactly like a Dockerfile error.
import { google } from "../gen/proto.js";
import { BridgeCallError, returnableCode } from "./client.js";
import { OptsError } from "./opts.js";

/** gRPC codes we use (google.rpc.Code). */
export const Code = {
  Unknown: 2,
  InvalidArgument: 3,
  NotFound: 5,
  FailedPrecondition: 9,
  Unimplemented: 12,
  Internal: 13,
} as const;

/**
 * BuildKit registers errdefs.Source with containerd's typeurl as
 * "github.com/moby/buildkit" + "errdefs.Source+json"; such registered types are
 * (un)marshalled with Go's encoding/json, not protobuf (util/grpcerrors).
 */
export const SOURCE_DETAIL_TYPE_URL = "github.com/moby/buildkit/errdefs.Source+json";

/**
 * The file an error is about and its line ranges (1-based, inclusive): BuildKit's
 * errdefs.Source. Not llb's SourceLocation, which places an op in a source map.
 */
export interface ErrorSource {
  filename: string;
  /** Full file content; buildx prints the lines around the range from it. */
  data: Uint8Array | string;
  /** e.g. "yaml"; shown by some clients, optional. */
  language?: string;
  ranges: { start: number; end?: number }[];
}

/** JSON shape of errdefs.Source under Go's encoding/json (field tags are omitempty; []byte is base64). */
export interface SourceDetailJson {
  info?: { filename?: string; data?: string; language?: string };
  ranges?: { start?: { line?: number; character?: number }; end?: { line?: number; character?: number } }[];
}

export function sourceDetail(src: ErrorSource): google.protobuf.Any {
  const data = typeof src.data === "string" ? Buffer.from(src.data, "utf8") : Buffer.from(src.data);
  const info: NonNullable<SourceDetailJson["info"]> = { filename: src.filename };
  // omitempty, like Go: leave out what is empty rather than sending "" values.
  if (data.length > 0) info.data = data.toString("base64");
  if (src.language) info.language = src.language;
  const json: SourceDetailJson = {
    info,
    ranges: src.ranges.map((r) => ({ start: { line: r.start }, end: { line: r.end ?? r.start } })),
  };
  return google.protobuf.Any.create({
    type_url: SOURCE_DETAIL_TYPE_URL,
    value: Buffer.from(JSON.stringify(json), "utf8"),
  });
}

/** Decodes a Source detail (ours or BuildKit's); undefined for any other detail type. */
export function decodeSourceDetail(any: google.protobuf.Any.$Properties): ErrorSource | undefined {
  if (any.type_url !== SOURCE_DETAIL_TYPE_URL || !any.value) return undefined;
  const json = JSON.parse(Buffer.from(any.value).toString("utf8")) as SourceDetailJson;
  const out: ErrorSource = {
    filename: json.info?.filename ?? "",
    data: Buffer.from(json.info?.data ?? "", "base64"),
    ranges: (json.ranges ?? []).map((r) => ({ start: r.start?.line ?? 0, end: r.end?.line ?? 0 })),
  };
  if (json.info?.language) out.language = json.info.language;
  return out;
}

export interface ErrorStatusInit {
  /** gRPC code; default 2 (Unknown). Code 0 would make BuildKit reject the Return. */
  code?: number;
  message: string;
  source?: ErrorSource;
}

export function errorStatus(init: ErrorStatusInit): google.rpc.Status {
  return google.rpc.Status.create({
    code: returnableCode(init.code),
    message: init.message,
    details: init.source ? [sourceDetail(init.source)] : [],
  });
}

/** An error of our own with a gRPC code and optionally the manifest location it is about. */
export class FrontendError extends Error {
  override readonly name: string = "FrontendError";
  constructor(
    message: string,
    readonly code: number = Code.Unknown,
    readonly source?: ErrorSource,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * BuildKit registers errdefs.Subrequest with typeurl as JSON; clients recognise an
 * unsupported request by this detail (errdefs.UnsupportedSubrequestError).
 */
export const SUBREQUEST_DETAIL_TYPE_URL = "github.com/moby/buildkit/errdefs.Subrequest+json";

/** A subrequest (`requestid`) this frontend does not answer. */
export class UnsupportedSubrequestError extends Error {
  override readonly name = "UnsupportedSubrequestError";
  constructor(readonly request: string) {
    super(`unsupported request ${request}`);
  }
}

/** The Return status for a request we do not answer, as BuildKit's NewUnsupportedSubrequestError gives it. */
export function unsupportedStatus(request: string): google.rpc.Status {
  return google.rpc.Status.create({
    code: Code.Unknown,
    message: `unsupported request ${request}`,
    details: [
      google.protobuf.Any.create({
        type_url: SUBREQUEST_DETAIL_TYPE_URL,
        value: Buffer.from(JSON.stringify({ name: request }), "utf8"),
      }),
    ],
  });
}

/**
 * Maps anything thrown to the status for Return: BuildKit's own failures pass
 * through unchanged (keeping its details, e.g. the failing vertex's source),
 * FrontendError keeps its code and source, OptsError is InvalidArgument, an unsupported
 * subrequest carries BuildKit's Subrequest detail, everything else is Unknown.
 */
export function statusFromError(err: unknown): google.rpc.Status {
  if (err instanceof UnsupportedSubrequestError) return unsupportedStatus(err.request);
  if (err instanceof BridgeCallError) {
    return google.rpc.Status.create({
      code: returnableCode(err.status.code),
      message: err.status.message,
      details: err.status.details,
    });
  }
  if (err instanceof FrontendError) {
    const init: ErrorStatusInit = { code: err.code, message: err.message };
    if (err.source) init.source = err.source;
    return errorStatus(init);
  }
  if (err instanceof OptsError) return errorStatus({ code: Code.InvalidArgument, message: err.message });
  const message = err instanceof Error ? err.message : String(err);
  return errorStatus({ code: Code.Unknown, message });
}
