// What a frontend needs from BuildKit, as an interface (the shape of BuildKit's
// frontend/gateway/client: Client, Reference, BuildOpts). The gRPC bridge implements it
// (GatewayClient); tests and the bench's timing wrap or replace it.

import type { SourceMap } from "../llb/index.js";
import { FrontendCap, type ServerCaps } from "./caps.js";
import type {
  BridgeClient,
  Definition,
  FileRange,
  ResolveImageConfigOptions,
  ResolveImageConfigResponse,
  Stat,
  WarnRequest,
} from "./client.js";
import { Code, FrontendError } from "./errors.js";
import type { CacheImport, Opts, WorkerInfo } from "./opts.js";

/** Everything the frontend was started with, travelling as one value (BuildKit's BuildOpts). */
export interface BuildOpts {
  opts: Opts;
  /** Session for locals, secrets and ssh; "" when absent. */
  sessionId: string;
  workers: WorkerInfo[];
  /** What the server supports, from Ping. */
  caps: ServerCaps;
}

export interface SolveOptions {
  /** Run the solve now (Evaluate) instead of lazily. */
  evaluate?: boolean;
  /** `--cache-from`: caches BuildKit may import for this solve. */
  cacheImports?: readonly CacheImport[];
}

/** A solved result's filesystem, read lazily (BuildKit's Reference). */
export interface Ref {
  readonly id: string;
  readFile(path: string, range?: FileRange): Promise<Uint8Array>;
  readDir(path: string, includePattern?: string): Promise<Stat[]>;
  statFile(path: string): Promise<Stat>;
}

/** A build warning in our terms; the client encodes it for the wire and fills in defaults. */
export interface Warning {
  /** The vertex BuildKit files the warning under. */
  digest: string;
  message: string;
  detail?: string[];
  url?: string;
  /** Default 1, BuildKit's warning level. */
  level?: number;
  /** The file the ranges are in, so clients print its lines. */
  source?: SourceMap;
  ranges?: Array<{ start: { line: number; character?: number }; end: { line: number; character?: number } }>;
}

export interface FrontendClient {
  buildOpts(): BuildOpts;
  /** Solves a definition; `evaluate` builds it now rather than when something reads it. */
  solve(definition: Definition | object, opts?: SolveOptions): Promise<Ref>;
  resolveImageConfig(ref: string, opts?: ResolveImageConfigOptions): Promise<ResolveImageConfigResponse>;
  /** Frontend inputs (the `dockerfile` definition a # syntax= forwarder sends); {} without cap frontend.inputs. */
  inputs(): Promise<Record<string, Definition>>;
  /** Sends a warning; does nothing when the server has no gateway.warnings cap. */
  warn(w: Warning): Promise<void>;
}

/** BuildKit's default and the Dockerfile linter's level (0 is treated as 1 by the server). */
export const LEVEL_WARNING = 1;

/** A Warning as the LLBBridge Warn request carries it. Pure. */
export function warnRequest(w: Warning): WarnRequest {
  const enc = new TextEncoder();
  return {
    digest: w.digest,
    level: w.level ?? LEVEL_WARNING,
    short: enc.encode(w.message),
    detail: (w.detail ?? []).map((d) => enc.encode(d)),
    ...(w.url !== undefined ? { url: w.url } : {}),
    ...(w.source
      ? { info: { filename: w.source.filename, data: w.source.data, language: w.source.language ?? "" } }
      : {}),
    ranges: w.ranges ?? [],
  };
}

/** The FrontendClient over the LLBBridge gRPC connection. */
export class GatewayClient implements FrontendClient {
  /**
   * `askedInputs`: the Inputs answer already asked for (with Ping, src/gateway/bridge.ts greet);
   * absent, or resolving to undefined, means ask again.
   */
  constructor(
    readonly bridge: BridgeClient,
    readonly opts: BuildOpts,
    readonly askedInputs?: Promise<Record<string, Definition> | undefined>,
  ) {}

  buildOpts(): BuildOpts {
    return this.opts;
  }

  async solve(definition: Definition | object, opts: SolveOptions = {}): Promise<Ref> {
    const res = await this.bridge.solve({
      Definition: definition,
      ...(opts.evaluate ? { Evaluate: true } : {}),
      ...(opts.cacheImports?.length
        ? { CacheImports: opts.cacheImports.map((c) => ({ Type: c.type, Attrs: c.attrs })) }
        : {}),
    });
    const id = res.ref?.id;
    if (!id) throw new FrontendError("BuildKit returned no result reference", Code.Internal);
    return bridgeRef(this.bridge, id);
  }

  resolveImageConfig(ref: string, opts?: ResolveImageConfigOptions): Promise<ResolveImageConfigResponse> {
    return this.bridge.resolveImageConfig(ref, opts);
  }

  async inputs(): Promise<Record<string, Definition>> {
    if (!this.opts.caps.frontend.has(FrontendCap.FrontendInputs)) return {};
    return (await this.askedInputs) ?? this.bridge.inputs();
  }

  async warn(w: Warning): Promise<void> {
    if (!this.opts.caps.frontend.has(FrontendCap.Warnings)) return;
    await this.bridge.warn(warnRequest(w));
  }
}

/** The result `id` on this bridge, as a Ref. */
export function bridgeRef(bridge: BridgeClient, id: string): Ref {
  return {
    id,
    readFile: (path, range) => bridge.readFile(id, path, range),
    readDir: (path, includePattern) => bridge.readDir(id, path, includePattern),
    statFile: (path) => bridge.statFile(id, path),
  };
}
