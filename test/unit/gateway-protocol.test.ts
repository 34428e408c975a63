// The whole client path against a fake LLBBridge: BridgeClient → unix socket →
// the real stdio transport → a stdin/stdout stand-in → the fake server.
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { capsFromPong } from "../../src/gateway/caps.js";
import { BridgeCallError, BridgeClient, MAX_MESSAGE_BYTES } from "../../src/gateway/client.js";
import {
  errorStatus,
  SOURCE_DETAIL_TYPE_URL,
  sourceDetail,
  statusFromError,
} from "../../src/gateway/errors.js";
import { pipeStdioToSocket, type StdioPipe } from "../../src/gateway/transport.js";
import { google } from "../../src/gen/proto.js";
import { log } from "../../src/log.js";
import { type FakeBridge, startFakeBridge } from "./fixtures/fake-bridge.js";

// ns since epoch, beyond 2^53: protobufjs would decode it as a Long.
const MOD_TIME_NS = Number(1_700_000_000_123_456_789n);
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Checks that bytes are exactly the client preface followed by whole, well-formed HTTP/2 frames. */
function assertHttp2Stream(buf: Buffer): number {
  expect(buf.subarray(0, H2_PREFACE.length).equals(H2_PREFACE)).toBe(true);
  let off = H2_PREFACE.length;
  let frames = 0;
  while (off < buf.length) {
    expect(buf.length - off).toBeGreaterThanOrEqual(9);
    const len = buf.readUIntBE(off, 3);
    const type = buf.readUInt8(off + 3);
    expect(type).toBeLessThanOrEqual(9); // DATA..CONTINUATION
    off += 9 + len;
    frames++;
  }
  expect(off).toBe(buf.length);
  return frames;
}

function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
  });
}

describe("gateway protocol over the stdio transport", () => {
  let fake: FakeBridge;
  let buildkitSide: Socket;
  let written: Buffer[];
  let pipe: StdioPipe;
  let client: BridgeClient;

  beforeEach(async () => {
    fake = await startFakeBridge({
      Ping: () => ({
        FrontendAPICaps: [
          { ID: "solve.base", Enabled: true },
          { ID: "readfile", Enabled: true },
          { ID: "gateway.evaluate", Enabled: false },
        ],
        LLBCaps: [{ ID: "source.local", Enabled: true }],
        Workers: [{ ID: "w0", platforms: [{ OS: "linux", Architecture: "amd64" }] }],
      }),
    });
    // Our "BuildKit" end of the stdio pair: one connection to the fake server.
    buildkitSide = await connectSocket(fake.socketPath);
    written = [];
    // The stdout stand-in records every byte the frontend writes and forwards it to BuildKit.
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written.push(Buffer.from(chunk));
        buildkitSide.write(chunk, cb);
      },
    });
    pipe = await pipeStdioToSocket(buildkitSide, stdout);
    client = new BridgeClient(pipe.target);
  });

  afterEach(async () => {
    client.close();
    pipe.close();
    buildkitSide.destroy();
    await fake.stop();
  });

  it("pings and builds caps", async () => {
    const pong = await client.ping();
    const caps = capsFromPong(pong);
    expect(caps.frontend.has("readfile")).toBe(true);
    expect(caps.frontend.has("gateway.evaluate")).toBe(false);
    expect(caps.llb.has("source.local")).toBe(true);
    expect(pong.Workers[0]?.platforms?.[0]?.Architecture).toBe("amd64");
  });

  it("solves with result return enabled and reads files, dirs and stats", async () => {
    fake.handlers.Solve = () => ({ result: { ref: { id: "ref-1" }, metadata: { k: Buffer.from("v") } } });
    fake.handlers.ReadFile = (req) => ({
      Data: Buffer.from(`${req.FilePath}@${req.Range?.Offset}+${req.Range?.Length}`),
    });
    const stat = {
      path: "bin/app",
      mode: 0o100755,
      uid: 1000,
      gid: 1000,
      size: 12345,
      modTime: MOD_TIME_NS,
      linkname: "",
      xattrs: { "user.x": Buffer.from("y") },
    };
    fake.handlers.StatFile = () => ({ stat });
    // The second entry leaves all int64 fields unset: they must still read as number 0.
    fake.handlers.ReadDir = () => ({ entries: [stat, { path: "bin/other", mode: 0o40755 }] });

    const res = await client.solve({ Definition: { def: [Buffer.from("op")] }, Frontend: "" });
    expect(res.ref?.id).toBe("ref-1");
    expect(Buffer.from(res.metadata.k as Uint8Array).toString()).toBe("v");
    const solveReq = fake.calls.Solve?.[0];
    expect(solveReq.allowResultReturn).toBe(true);
    expect(solveReq.allowResultArrayRef).toBe(true);
    expect(Buffer.from(solveReq.Definition.def[0]).toString()).toBe("op");

    const data = await client.readFile("ref-1", "scratchkit.yaml", { offset: 7, length: 1024 });
    expect(Buffer.from(data).toString()).toBe("scratchkit.yaml@7+1024");
    expect(fake.calls.ReadFile?.[0]).toMatchObject({ Ref: "ref-1", FilePath: "scratchkit.yaml" });
    await client.readFile("ref-1", "whole");
    expect(fake.calls.ReadFile?.[1].Range).toBeNull();

    const st = await client.statFile("ref-1", "/bin/app");
    expect(st).toMatchObject({ path: "bin/app", mode: 0o100755, uid: 1000, size: 12345 });
    expect(typeof st.modTime).toBe("number");
    expect(Math.abs(st.modTime - MOD_TIME_NS)).toBeLessThan(1000);
    expect(Buffer.from(st.xattrs["user.x"] as Uint8Array).toString()).toBe("y");
    expect(fake.calls.StatFile?.[0]).toMatchObject({ Ref: "ref-1", Path: "/bin/app" });

    const entries = await client.readDir("ref-1", "/bin", "app*");
    expect(entries.map((e) => [e.path, e.mode])).toEqual([
      ["bin/app", 0o100755],
      ["bin/other", 0o40755],
    ]);
    expect([entries[1]?.size, entries[1]?.modTime, entries[1]?.devmajor]).toEqual([0, 0, 0]);
    expect(fake.calls.ReadDir?.[0]).toMatchObject({ Ref: "ref-1", DirPath: "/bin", IncludePattern: "app*" });
  });

  it("resolves image config, lists inputs and warns", async () => {
    fake.handlers.ResolveImageConfig = (req) => ({
      Digest: "sha256:aa",
      Config: Buffer.from('{"config":{"Env":["PATH=/bin"]}}'),
      Ref: req.Ref,
    });
    fake.handlers.Inputs = () => ({ Definitions: { dockerfile: { def: [Buffer.from("d")] } } });
    fake.handlers.Warn = () => ({});

    const cfg = await client.resolveImageConfig("docker.io/library/alpine:3.22", {
      platform: { OS: "linux", Architecture: "arm64" },
      resolveMode: "local",
      logName: "[internal] load metadata for docker.io/library/alpine:3.22",
      sessionId: "sess",
    });
    expect(cfg.Digest).toBe("sha256:aa");
    expect(JSON.parse(Buffer.from(cfg.Config).toString()).config.Env).toEqual(["PATH=/bin"]);
    expect(fake.calls.ResolveImageConfig?.[0]).toMatchObject({
      Ref: "docker.io/library/alpine:3.22",
      Platform: { OS: "linux", Architecture: "arm64" },
      ResolveMode: "local",
      SessionID: "sess",
    });

    // An OCI layout's image (an oci-layout:// named context) is looked up in the session's store.
    await client.resolveImageConfig("docker.io/library/alpine:3.22@sha256:ab", {
      sessionId: "sess",
      ociLayoutStore: "store-1",
    });
    expect(fake.calls.ResolveImageConfig?.[1]).toMatchObject({
      ResolverType: 1,
      StoreID: "store-1",
      SessionID: "sess",
    });
    expect(fake.calls.ResolveImageConfig?.[0]).toMatchObject({ ResolverType: 0, StoreID: "" });

    const inputs = await client.inputs();
    expect(Object.keys(inputs)).toEqual(["dockerfile"]);
    await client.warn({ digest: "sha256:op", level: 1, short: Buffer.from("careful"), ranges: [] });
    expect(Buffer.from(fake.calls.Warn?.[0].short).toString()).toBe("careful");
  });

  it("returns a result with metadata, and errors with code 0 become Unknown", async () => {
    fake.handlers.Return = () => ({});
    await client.returnResult({
      ref: { id: "ref-1" },
      metadata: { "containerimage.config": Buffer.from('{"os":"linux","architecture":"amd64"}') },
    });
    const ret = fake.calls.Return?.[0];
    expect(ret.result.ref.id).toBe("ref-1");
    expect(JSON.parse(Buffer.from(ret.result.metadata["containerimage.config"]).toString()).os).toBe("linux");
    expect(ret.error).toBeNull();

    await client.returnError({ code: 0, message: "nothing" });
    expect(fake.calls.Return?.[1].error.code).toBe(2);
  });

  it("passes a failed Solve's code, message and details through to Return unchanged", async () => {
    const source = sourceDetail({ filename: "scratchkit.yaml", data: "a\nb\n", ranges: [{ start: 2 }] });
    const vertex = google.protobuf.Any.create({
      type_url: "github.com/moby/buildkit/errdefs.Vertex+json",
      value: Buffer.from('{"digest":"sha256:0123"}'),
    });
    const message = 'process "/bin/sh -c make" did not complete successfully: exit code: 2\nüñï 100%';
    const sent = google.rpc.Status.create({ code: grpc.status.UNKNOWN, message, details: [source, vertex] });
    fake.handlers.Solve = () => {
      const md = new grpc.Metadata();
      md.set("grpc-status-details-bin", Buffer.from(google.rpc.Status.encode(sent).finish()));
      throw { code: sent.code, details: message, metadata: md };
    };
    fake.handlers.Return = () => ({});

    const err = await client.solve({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeCallError);
    const bce = err as BridgeCallError;
    expect(bce.code).toBe(2);
    expect(bce.method).toBe("Solve");
    expect(bce.status.message).toBe(message);

    await client.returnError(statusFromError(err));
    const got = fake.calls.Return?.[0].error as google.rpc.Status;
    expect(got.code).toBe(sent.code);
    expect(got.message).toBe(message);
    expect(got.details.map((d) => d.type_url)).toEqual([SOURCE_DETAIL_TYPE_URL, vertex.type_url]);
    expect(got.details.map((d) => Buffer.from(d.value ?? []).toString())).toEqual(
      sent.details.map((d) => Buffer.from(d.value ?? []).toString()),
    );
  });

  it("keeps the code of a failure without details (e.g. InvalidArgument)", async () => {
    fake.handlers.StatFile = () => {
      throw { code: grpc.status.NOT_FOUND, details: "stat /nope: no such file or directory" };
    };
    const err = (await client.statFile("r", "/nope").catch((e: unknown) => e)) as BridgeCallError;
    expect(err.status).toMatchObject({
      code: 5,
      message: "stat /nope: no such file or directory",
      details: [],
    });
    expect(statusFromError(err).code).toBe(5);
    expect(errorStatus({ code: 3, message: "m" }).code).toBe(3);
  });

  it("moves messages over 4 MiB both ways (limits raised to 16 MiB)", async () => {
    const big = Buffer.alloc(6 << 20, 0x61);
    fake.handlers.ReadFile = () => ({ Data: big });
    fake.handlers.Return = () => ({});
    const data = await client.readFile("r", "big");
    expect(data.length).toBe(big.length);
    await client.returnResult({ ref: { id: "r" }, metadata: { blob: big } });
    expect(fake.calls.Return?.[0].result.metadata.blob.length).toBe(big.length);
    expect(MAX_MESSAGE_BYTES).toBeGreaterThanOrEqual(16 << 20);
  });

  it("writes nothing but HTTP/2 frames to stdout, and logs only to fd 2", async () => {
    const stdoutWrite = vi.spyOn(process.stdout, "write");
    const prevLevel = log.level;
    log.level = "silent";
    try {
      fake.handlers.Return = () => ({});
      await client.ping();
      log.info("a log line must not reach stdout");
      await client.returnResult({ ref: { id: "x" } });
    } finally {
      log.level = prevLevel;
      stdoutWrite.mockRestore();
    }
    expect(stdoutWrite).not.toHaveBeenCalled();
    const stream = (log as any)[pino.symbols.streamSym] as { fd: number };
    expect(stream.fd).toBe(2);
    expect(assertHttp2Stream(Buffer.concat(written))).toBeGreaterThan(3);
  });
});

describe("stdio transport", () => {
  it("accepts one connection only and removes its socket file", async () => {
    const fake = await startFakeBridge({ Ping: () => ({}) });
    const side = await connectSocket(fake.socketPath);
    const pipe = await pipeStdioToSocket(side, side);
    expect(existsSync(pipe.socketPath)).toBe(true);
    const client = new BridgeClient(pipe.target);
    try {
      await client.ping();
      expect(existsSync(dirname(pipe.socketPath))).toBe(false);
      await expect(connectSocket(pipe.socketPath)).rejects.toThrow(/ENOENT|ECONNREFUSED/);
      await client.ping(); // the first connection still works
    } finally {
      client.close();
      pipe.close();
      side.destroy();
      await fake.stop();
    }
  });

  it("ends when BuildKit closes stdin", async () => {
    const fake = await startFakeBridge({ Ping: () => ({}) });
    const side = await connectSocket(fake.socketPath);
    const pipe = await pipeStdioToSocket(side, side);
    const client = new BridgeClient(pipe.target);
    try {
      await client.ping();
      await fake.stop(); // BuildKit goes away: our input sees EOF
      await expect(pipe.ended).resolves.toBe("input-ended");
      await expect(client.ping()).rejects.toBeInstanceOf(BridgeCallError);
    } finally {
      client.close();
      side.destroy();
    }
  });

  it("cleans up on close() before any connection", async () => {
    const { PassThrough } = await import("node:stream");
    const input = new PassThrough();
    const output = new PassThrough();
    const pipe = await pipeStdioToSocket(input, output);
    expect(pipe.target).toBe(`unix:${pipe.socketPath}`);
    pipe.close();
    await expect(pipe.ended).resolves.toBe("closed");
    expect(existsSync(dirname(pipe.socketPath))).toBe(false);
    expect(output.read()).toBeNull();
  });
});
