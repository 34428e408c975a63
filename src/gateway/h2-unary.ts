// Unary gRPC calls over one HTTP/2 connection with node:http2 (no grpc-js). The frontend makes
// only unary LLBBridge calls over a connection it cannot re-dial, so a channel with resolvers,
// load balancing, retries and idle timers is pure start-up cost: loading grpc-js took longer
// than the rest of the bundle together. Wire format (gRPC over HTTP/2): POST /Service/Method,
// content-type application/grpc, te: trailers; each message is a 5-byte prefix (compressed
// flag, big-endian length) and its bytes; the status comes in grpc-status / grpc-message
// (percent-encoded) / grpc-status-details-bin (base64 google.rpc.Status) trailers, or in the
// headers of a trailers-only response.
import { type ClientHttp2Session, connect, constants, type IncomingHttpHeaders } from "node:http2";
import type { Duplex } from "node:stream";

/** gRPC status codes the client itself produces. */
export const GRPC_UNKNOWN = 2;
export const GRPC_RESOURCE_EXHAUSTED = 8;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;

/** A failed call, as the status trailers (or the connection) said. */
export interface CallFailure {
  code?: number;
  details?: string;
  message?: string;
  /** grpc-status-details-bin, decoded from base64: a serialized google.rpc.Status. */
  statusDetails?: Uint8Array;
}

export class UnaryCallError extends Error implements CallFailure {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly statusDetails?: Uint8Array,
  ) {
    super(details);
  }
}

export interface UnaryChannel {
  /** Sends one request message to `path` (/package.Service/Method) and resolves with the response message. */
  call(path: string, request: Uint8Array): Promise<Buffer>;
  close(): void;
}

/** A channel over the stream `connection` returns (called once: the connection cannot be re-dialled). */
export function h2Channel(connection: () => Duplex, maxMessageBytes: number): UnaryChannel {
  let session: ClientHttp2Session | undefined;
  let sessionError: Error | undefined;
  const open = (): ClientHttp2Session => {
    if (session) return session;
    const s = connect("http://localhost", {
      createConnection: () => connection(),
      // Room for a 16 MiB message in flight without waiting for window updates per 64 KiB.
      settings: { initialWindowSize: maxMessageBytes, enablePush: false },
      maxSessionMemory: Math.ceil((4 * maxMessageBytes) / 2 ** 20),
    });
    s.on("error", (err) => {
      sessionError = err;
    });
    // The connection-level window too (the settings above are per stream).
    s.on("connect", () => s.setLocalWindowSize(maxMessageBytes));
    session = s;
    return s;
  };
  return {
    call(path, request) {
      if (request.length > maxMessageBytes) {
        return Promise.reject(
          new UnaryCallError(
            GRPC_RESOURCE_EXHAUSTED,
            `trying to send message larger than max (${request.length} vs. ${maxMessageBytes})`,
          ),
        );
      }
      return new Promise<Buffer>((resolve, reject) => {
        const s = open();
        if (s.destroyed || s.closed) {
          reject(
            new UnaryCallError(
              GRPC_UNAVAILABLE,
              `connection closed${sessionError ? `: ${sessionError.message}` : ""}`,
            ),
          );
          return;
        }
        const req = s.request({
          [constants.HTTP2_HEADER_METHOD]: "POST",
          [constants.HTTP2_HEADER_PATH]: path,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
          [constants.HTTP2_HEADER_TE]: "trailers",
        });
        const chunks: Buffer[] = [];
        let received = 0;
        let headers: IncomingHttpHeaders = {};
        let trailers: IncomingHttpHeaders | undefined;
        let failed = false;
        const fail = (e: UnaryCallError) => {
          if (failed) return;
          failed = true;
          req.close(constants.NGHTTP2_CANCEL);
          reject(e);
        };
        req.on("response", (h) => {
          headers = h;
        });
        req.on("trailers", (t) => {
          trailers = t;
        });
        req.on("data", (c: Buffer) => {
          received += c.length;
          if (received > maxMessageBytes + 5) {
            fail(
              new UnaryCallError(
                GRPC_RESOURCE_EXHAUSTED,
                `received message larger than max (${received} vs. ${maxMessageBytes})`,
              ),
            );
            return;
          }
          chunks.push(c);
        });
        req.on("error", (err) => fail(new UnaryCallError(GRPC_UNAVAILABLE, err.message)));
        req.on("close", () => {
          if (failed) return;
          const status = trailers ?? headers;
          const code = Number(status["grpc-status"]);
          if (status["grpc-status"] === undefined || !Number.isInteger(code)) {
            // node:http2 gives :status as a number whatever IncomingHttpHeaders says.
            const http = Number(headers[constants.HTTP2_HEADER_STATUS] ?? Number.NaN);
            const bad = !Number.isNaN(http) && http !== 200;
            fail(
              new UnaryCallError(
                bad ? GRPC_UNKNOWN : GRPC_UNAVAILABLE,
                bad
                  ? `received HTTP status ${http}`
                  : `call ended without a status${sessionError ? `: ${sessionError.message}` : ""}`,
              ),
            );
            return;
          }
          if (code !== 0) {
            fail(
              new UnaryCallError(
                code,
                decodeMessage(status["grpc-message"]),
                decodeDetails(status["grpc-status-details-bin"]),
              ),
            );
            return;
          }
          const body = Buffer.concat(chunks);
          const message = firstMessage(body);
          if (message === undefined) fail(new UnaryCallError(GRPC_INTERNAL, "malformed response message"));
          else resolve(message);
        });
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(request.length, 1);
        req.end(Buffer.concat([prefix, request]));
      });
    },
    close() {
      session?.close();
    },
  };
}

/** The one length-prefixed, uncompressed message of a unary response. */
function firstMessage(body: Buffer): Buffer | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return undefined;
  return body.subarray(5, 5 + length);
}

function decodeMessage(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return "";
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function decodeDetails(v: string | string[] | undefined): Uint8Array | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s ? Buffer.from(s, "base64") : undefined;
}
