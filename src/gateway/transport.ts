// The stdio transport. BuildKit serves the LLBBridge as cleartext HTTP/2 (prior
// knowledge) over the frontend's stdin/stdout. grpc-js cannot dial a pair of
// pipes, so we listen on a unix socket file, let grpc-js connect to it, and
// splice that single connection to stdin/stdout. (Verified with Docker Engine
// 28.5; `unix-abstract:` targets are not accepted by grpc-js 1.14.7.)
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { log } from "../log.js";

/** Why the piped connection ended. */
export type PipeEndReason =
  /** The peer (BuildKit) closed our input: the build is over or cancelled. */
  | "input-ended"
  /** The local grpc-js side closed its connection (normally after Return). */
  | "socket-closed"
  /** close() was called. */
  | "closed"
  /** A read or write error on either side (e.g. EPIPE on stdout). */
  | "error";

export interface StdioPipe {
  /** grpc-js target for the piped connection, `unix:<socketPath>`. */
  readonly target: string;
  readonly socketPath: string;
  /** Resolves once, when the connection ends for any reason; everything is cleaned up by then. */
  readonly ended: Promise<PipeEndReason>;
  /** Stops listening, drops the connection and removes the socket file. Idempotent. */
  close(): void;
}

export interface PipeOptions {
  /** Directory for the socket's private temp dir; default os.tmpdir() (writable in BuildKit's frontend container). */
  dir?: string;
}

/**
 * Listens on a fresh unix socket file and splices the first accepted
 * connection to input/output. Resolves once listening. Later connections are
 * refused: the byte stream is one HTTP/2 connection and cannot be shared or
 * re-established. Output is never ended by us, because process.stdout must stay
 * open until the process exits.
 */
export async function pipeStdioToSocket(
  input: Readable,
  output: Writable,
  options: PipeOptions = {},
): Promise<StdioPipe> {
  // A private 0700 dir keeps the socket from colliding with (or being hijacked by) anything else in /tmp.
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), "scratchkit-"));
  const socketPath = join(dir, "bridge.sock");
  let server: Server | undefined;
  let conn: Socket | undefined;
  let finished = false;
  let resolveEnded!: (r: PipeEndReason) => void;
  const ended = new Promise<PipeEndReason>((r) => {
    resolveEnded = r;
  });

  const removeSocketDir = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      log.debug({ err, dir }, "could not remove bridge socket dir");
    }
  };

  const onInputEnd = () => finish("input-ended");
  const onInputError = (err: Error) => {
    log.debug({ err }, "bridge input error");
    finish("error");
  };
  const onOutputError = (err: Error) => {
    log.debug({ err }, "bridge output error");
    finish("error");
  };
  // Before the connection exists, stdin ending still means BuildKit is gone.
  input.once("end", onInputEnd);
  input.once("error", onInputError);
  output.on("error", onOutputError);

  function finish(reason: PipeEndReason): void {
    if (finished) return;
    finished = true;
    input.off("end", onInputEnd);
    input.off("error", onInputError);
    // Keep a no-op error listener on output: a late EPIPE must not become an uncaught exception.
    output.off("error", onOutputError);
    output.on("error", () => {});
    if (conn) {
      input.unpipe(conn);
      conn.unpipe(output);
      conn.destroy();
    }
    input.pause();
    server?.close();
    removeSocketDir();
    log.debug({ reason }, "bridge pipe ended");
    resolveEnded(reason);
  }

  return new Promise<StdioPipe>((resolve, reject) => {
    const srv = createServer({ pauseOnConnect: true }, (sock) => {
      if (conn || finished) {
        sock.destroy();
        return;
      }
      conn = sock;
      // Stop accepting and drop the socket file now: nobody else may connect.
      srv.close();
      removeSocketDir();
      sock.on("error", (err) => {
        log.debug({ err }, "bridge socket error");
        finish("error");
      });
      sock.on("close", () => finish("socket-closed"));
      // end:false on both: half-closes are turned into a full teardown by finish().
      input.pipe(sock, { end: false });
      sock.pipe(output, { end: false });
      sock.resume();
    });
    server = srv;
    srv.maxConnections = 1;
    srv.on("error", (err) => {
      if (!srv.listening) {
        finish("error");
        reject(err);
        return;
      }
      log.debug({ err }, "bridge listener error");
    });
    srv.listen(socketPath, () => {
      resolve({
        target: `unix:${socketPath}`,
        socketPath,
        ended,
        close: () => finish("closed"),
      });
    });
  });
}

export interface ConnectStdioOptions extends PipeOptions {
  /**
   * Called when BuildKit closes our stdin. Default: exit with the current
   * process.exitCode (0 unless set), since nothing can be sent any more.
   */
  onInputEnded?: () => void;
}

/** Splices process.stdin/stdout to a unix socket for the grpc-js client. */
export async function connectStdio(options: ConnectStdioOptions = {}): Promise<StdioPipe> {
  const pipe = await pipeStdioToSocket(process.stdin, process.stdout, options);
  void pipe.ended.then((reason) => {
    if (reason !== "input-ended") return;
    log.debug("BuildKit closed the gateway connection");
    if (options.onInputEnded) options.onInputEnded();
    else process.exit();
  });
  return pipe;
}
