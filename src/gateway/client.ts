// Typed promise wrapper over BuildKit's LLBBridge gRPC service, using the
// statically generated protobuf codecs (no runtime .proto parsing).
import * as grpc from "@grpc/grpc-js";
import { type fsutil, google, moby, type pb } from "../gen/proto.js";
import {
  BRIDGE_METHODS,
  type BridgeMethod,
  type Codec,
  LLB_BRIDGE_SERVICE,
  type RequestOf,
  type ResponseOf,
  toBuffer,
} from "./bridge-service.js";

const fe = moby.buildkit.v1.frontend;

/** BuildKit's gateway server limit in both directions (containerd defaults: 16 MiB); grpc-js receives only 4 MiB by default. */
export const MAX_MESSAGE_BYTES = 16 << 20;
const STATUS_DETAILS_KEY = "grpc-status-details-bin";

export type Status = google.rpc.Status.$Properties;
export type Result = moby.buildkit.v1.frontend.Result.$Properties;
export type DecodedResult = moby.buildkit.v1.frontend.Result;
export type SolveRequest = moby.buildkit.v1.frontend.SolveRequest.$Properties;
export type PongResponse = moby.buildkit.v1.frontend.PongResponse;
export type ResolveImageConfigResponse = moby.buildkit.v1.frontend.ResolveImageConfigResponse;
export type WarnRequest = moby.buildkit.v1.frontend.WarnRequest.$Properties;
export type Stat = fsutil.types.Stat;
export type Definition = pb.Definition;

export interface FileRange {
  offset: number;
  length: number;
}

export interface ResolveImageConfigOptions {
  platform?: pb.Platform.$Properties;
  /** "default" | "pull" | "local" (BuildKit's image.resolvemode values). */
  resolveMode?: string;
  /** Progress line BuildKit shows while resolving, e.g. "[internal] load metadata for docker.io/library/alpine:3.22". */
  logName?: string;
  sessionId?: string;
  /**
   * Look in an OCI layout the client serves in session `sessionId` under this store ID
   * (sourceresolver's ResolverTypeOCILayout) instead of a registry.
   */
  ociLayoutStore?: string;
}

/** sourceresolver.ResolverType values (BuildKit client/llb/sourceresolver). */
const RESOLVER_OCI_LAYOUT = 1;

/** Reads the google.rpc.Status a gRPC failure carries (code, message and any `grpc-status-details-bin` details). */
export function statusFromServiceError(err: Partial<grpc.ServiceError>): google.rpc.Status {
  const code = typeof err.code === "number" ? err.code : grpc.status.UNKNOWN;
  const message = err.details ?? err.message ?? "";
  const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
  let details: google.protobuf.Any.$Properties[] = [];
  if (raw !== undefined && typeof raw !== "string") {
    try {
      details = google.rpc.Status.decode(raw).details;
    } catch {
      // A malformed trailer must not hide the primary code and message.
    }
  }
  // Header code/message are authoritative (grpc-go sends the same values in both places).
  return google.rpc.Status.create({ code, message, details });
}

/** A failed LLBBridge call. `status` is what BuildKit sent, suitable for passing unchanged to returnError(). */
export class BridgeCallError extends Error {
  override readonly name = "BridgeCallError";
  readonly code: number;
  readonly status: google.rpc.Status;
  readonly method: string;

  constructor(method: string, err: Partial<grpc.ServiceError>) {
    const status = statusFromServiceError(err);
    super(`${method}: ${status.message}`, { cause: err });
    this.method = method;
    this.code = status.code;
    this.status = status;
  }
}

/**
 * protobufjs decodes int64 as Long objects whenever the `long` package is installed
 * (it is, as a protobufjs dependency), and decoded messages inherit Long zero
 * defaults from their prototypes, whatever the generated .d.ts says. Stat is the
 * only response with int64 fields, so it is normalized here to plain numbers.
 * modTime (ns since epoch) exceeds 2^53 and keeps ~0.25 µs precision.
 */
function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v !== null && typeof v === "object" && "toNumber" in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

function normalizeStat(st: Stat): Stat {
  st.size = toNumber(st.size);
  st.modTime = toNumber(st.modTime);
  st.devmajor = toNumber(st.devmajor);
  st.devminor = toNumber(st.devminor);
  return st;
}

function message<T>(codec: { encode(m: T): { finish(): Uint8Array } }) {
  return (value: T) => toBuffer(codec.encode(value).finish());
}

/**
 * The code a Return may carry: BuildKit rejects a Return whose error has code 0 (OK), so a
 * missing or zero code becomes 2 (Unknown). The one place that mapping is made.
 */
export function returnableCode(code: number | null | undefined): number {
  return code ? code : grpc.status.UNKNOWN;
}

/** Promise-based LLBBridge client. One instance per connection. */
export class BridgeClient {
  readonly #client: grpc.Client;

  constructor(target: string, options: grpc.ChannelOptions = {}) {
    this.#client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      // BuildKit's server does not care, but a unix path is not a valid :authority.
      "grpc.default_authority": "localhost",
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      // The piped connection cannot be re-established, so never let the channel drop it for idleness.
      "grpc.client_idle_timeout_ms": 2 ** 31 - 1,
      ...options,
    });
  }

  /** Calls `method` with its codecs from BRIDGE_METHODS, so a method cannot go out with another's. */
  #call<M extends BridgeMethod>(method: M, req: RequestOf<M>): Promise<ResponseOf<M>> {
    type Req = RequestOf<M>;
    type Res = ResponseOf<M>;
    const [reqCodec, resCodec] = BRIDGE_METHODS[method] as unknown as readonly [
      Codec<Req, unknown>,
      Codec<unknown, Res>,
    ];
    return new Promise<Res>((resolve, reject) => {
      this.#client.makeUnaryRequest<Req, Res>(
        `/${LLB_BRIDGE_SERVICE}/${method}`,
        message(reqCodec),
        (buf) => resCodec.decode(buf),
        req,
        (err, res) => {
          if (err) reject(new BridgeCallError(method, err));
          else if (res === undefined)
            reject(new BridgeCallError(method, { code: 13, details: "empty response" }));
          else resolve(res);
        },
      );
    });
  }

  ping(): Promise<PongResponse> {
    return this.#call("Ping", {});
  }

  /** Solves a request. Results are lazy: nothing runs until a read, Evaluate or export touches them. */
  async solve(req: SolveRequest): Promise<DecodedResult> {
    const res = await this.#call("Solve", {
      ...req,
      // Ask for the modern Result shape (ref/refs objects), never the deprecated single ref string.
      allowResultReturn: true,
      allowResultArrayRef: true,
    });
    if (res.result) return res.result as DecodedResult;
    // Very old servers answer with only a ref id.
    return fe.Result.create({ ref: { id: res.ref ?? "" } });
  }

  async readFile(ref: string, path: string, range?: FileRange): Promise<Uint8Array> {
    const req: moby.buildkit.v1.frontend.ReadFileRequest.$Properties = { Ref: ref, FilePath: path };
    if (range) req.Range = { Offset: range.offset, Length: range.length };
    const res = await this.#call("ReadFile", req);
    return res.Data;
  }

  async statFile(ref: string, path: string): Promise<Stat> {
    const res = await this.#call("StatFile", {
      Ref: ref,
      Path: path,
    });
    if (!res.stat)
      throw new BridgeCallError("StatFile", { code: 13, details: `no stat returned for ${path}` });
    return normalizeStat(res.stat as Stat);
  }

  async readDir(ref: string, dir: string, includePattern?: string): Promise<Stat[]> {
    const res = await this.#call("ReadDir", {
      Ref: ref,
      DirPath: dir,
      IncludePattern: includePattern ?? "",
    });
    return (res.entries as Stat[]).map(normalizeStat);
  }

  resolveImageConfig(ref: string, opts: ResolveImageConfigOptions = {}): Promise<ResolveImageConfigResponse> {
    return this.#call("ResolveImageConfig", {
      Ref: ref,
      Platform: opts.platform ?? null,
      ResolveMode: opts.resolveMode ?? "",
      LogName: opts.logName ?? "",
      SessionID: opts.sessionId ?? "",
      ...(opts.ociLayoutStore !== undefined
        ? { ResolverType: RESOLVER_OCI_LAYOUT, StoreID: opts.ociLayoutStore }
        : {}),
    });
  }

  /** Frontend inputs (e.g. `dockerfile`, `context` from the dockerfile frontend); needs cap frontend.inputs. */
  async inputs(): Promise<Record<string, Definition>> {
    const res = await this.#call("Inputs", {});
    return res.Definitions as Record<string, Definition>;
  }

  /** Emits a build warning; needs cap gateway.warnings. */
  async warn(req: WarnRequest): Promise<void> {
    await this.#call("Warn", req);
  }

  /** Returns the final result. Call Return exactly once per build (either this or returnError). */
  async returnResult(result: Result): Promise<void> {
    await this.#call("Return", { result });
  }

  /** Returns a failure. Code 0 is rejected by BuildKit, so it is mapped to 2 (Unknown). */
  async returnError(status: Status): Promise<void> {
    const error: Status = { ...status, code: returnableCode(status.code) };
    await this.#call("Return", { error });
  }

  close(): void {
    this.#client.close();
  }
}
