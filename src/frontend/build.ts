import { type Caps, FrontendCap } from "../gateway/caps.js";
import type { BridgeClient, Definition, Result } from "../gateway/client.js";
import { Code, FrontendError, type SourceLocation } from "../gateway/errors.js";
import {
  contextKey as contextKeyOpt,
  dockerfileKey as dockerfileKeyOpt,
  filename as filenameOpt,
  forceNetworkMode,
  formatPlatform,
  type ImageResolveMode,
  imageResolveMode,
  labels,
  type Opts,
  platforms,
} from "../gateway/opts.js";
import { buildGraph } from "../graph/build-graph.js";
import { imageConfig } from "../image/config.js";
import { local, marshal, normalizeImageRef, type SourceMap, type State } from "../llb/index.js";
import { log } from "../log.js";
import { DEFAULT_FILENAME, OUTPUT_DIR } from "../manifest/defaults.js";
import { ManifestError } from "../manifest/errors.js";
import { parseManifest } from "../manifest/parse.js";
import type { Manifest, Span } from "../manifest/types.js";
import { planBuild } from "../plan/plan.js";
import type { Platform } from "../plan/types.js";
import { checkArtifacts } from "../verify/static-gate.js";
import { sendWarnings, warnRequests } from "../verify/warnings.js";
import { parseDockerignore } from "./dockerignore.js";

/** What the frontend knows about this build from its environment. */
export interface BuildEnv {
  opts: Opts;
  sessionId: string;
  /** Platforms of the first worker, the default target. */
  workerPlatforms: Platform[];
}

export interface BuildOutcome {
  result: Result;
  manifest: Manifest;
}

/**
 * One whole build: read the manifest, plan it, build the artifacts, verify that they are
 * static, and only then describe the FROM scratch image. Throws FrontendError for our own
 * errors; a failed Solve propagates as the bridge's error so BuildKit's details survive.
 */
export async function runBuild(bridge: BridgeClient, caps: Caps, env: BuildEnv): Promise<BuildOutcome> {
  const { opts } = env;
  const filename = filenameOpt(opts) || DEFAULT_FILENAME;
  const dockerfileKey = dockerfileKeyOpt(opts);
  const contextKey = contextKeyOpt(opts);
  const inputs = caps.frontend.has(FrontendCap.FrontendInputs) ? await bridge.inputs() : {};
  if (inputs[contextKey]) {
    throw new FrontendError(
      `the build context came as a frontend input (${contextKey}); scratchkit reads the context from the client's local directory only`,
      Code.Unimplemented,
    );
  }

  const [definition, contextIgnore] = await Promise.all([
    readDefinition(bridge, env, inputs[dockerfileKey], dockerfileKey, filename),
    readContextDockerignore(bridge, env, contextKey),
  ]);
  const located = (message: string, code: number, spans: Span[]) =>
    new FrontendError(message, code, sourceAt(filename, definition.text, spans));
  let manifest: Manifest;
  try {
    manifest = parseManifest(definition.text, filename);
  } catch (err) {
    if (err instanceof ManifestError) {
      throw located(
        err.message,
        Code.InvalidArgument,
        err.diagnostics.map((d) => d.span),
      );
    }
    throw err;
  }

  const platform = targetPlatform(opts, env.workerPlatforms);
  const resolveMode = imageResolveMode(opts);
  const baseEnv = await imageEnv(bridge, manifest.build.image.value, platform, resolveMode, env.sessionId);
  const plan = planBuild(manifest, {
    platform,
    baseEnv,
    network: forceNetworkMode(opts),
    imageResolveMode: resolveMode,
  });
  const source: SourceMap = {
    filename,
    data: new TextEncoder().encode(definition.text),
    language: "YAML",
  };
  const excludes = parseDockerignore(definition.ignore ?? contextIgnore ?? "");
  const context = local(contextKey, {
    sessionId: env.sessionId,
    excludePatterns: excludes,
    sharedKeyHint: contextKey,
    name: "[internal] load build context",
  });
  const graph = buildGraph(plan, { context, source });

  // Build the artifacts and read their headers before anything is exported.
  const outputRef = await solveRef(bridge, graph.output, platform);
  await requireArtifacts(bridge, outputRef, manifest, located);
  const gate = await checkArtifacts(
    manifest.artifacts,
    (path, offset, length) => bridge.readFile(outputRef, `/${path}`, { offset, length }),
    platform,
  );
  for (const r of gate.reports) {
    const { bytesRead, ms, verdictMs, hazard } = r.assessment;
    const round = (x: number) => Math.round(x * 10) / 10;
    log.info(
      {
        artifact: r.artifact.path,
        verdict: r.report.verdict.kind,
        verdictBytes: r.report.bytesRead,
        verdictMs: round(verdictMs),
        nssScanBytes: hazard?.bytesRead,
        bytesRead,
        ms: round(ms),
      },
      "verified",
    );
  }
  if (gate.warnings.length > 0 && caps.frontend.has(FrontendCap.Warnings)) {
    const reqs = warnRequests(gate.warnings, source, marshal(graph.output, { platform }).root);
    await sendWarnings(
      (w) => bridge.warn(w),
      reqs,
      (err) => log.warn({ err: messageOf(err) }, "Warn failed"),
    );
  }
  if (gate.failures.length > 0) {
    throw located(
      gate.failures.map((f) => f.message).join("\n"),
      Code.FailedPrecondition,
      gate.failures.map((f) => f.artifact.span),
    );
  }

  const imageRef = await solveRef(bridge, graph.image, platform);
  const config = imageConfig(manifest, { platform, labels: Object.fromEntries(labels(opts)) });
  return {
    manifest,
    result: {
      ref: { id: imageRef },
      metadata: { "containerimage.config": new TextEncoder().encode(JSON.stringify(config)) },
    },
  };
}

async function readDefinition(
  bridge: BridgeClient,
  env: BuildEnv,
  input: Definition | undefined,
  key: string,
  filename: string,
): Promise<{ text: string; ignore?: string }> {
  const ignoreName = `${filename}.dockerignore`;
  const def =
    input ??
    marshal(
      local(key, {
        sessionId: env.sessionId,
        followPaths: [filename, ignoreName],
        sharedKeyHint: key,
        differ: "none",
        name: `[internal] load build definition from ${filename}`,
      }),
    ).definition;
  const ref = await solveDefinition(bridge, def);
  let data: Uint8Array;
  try {
    data = await bridge.readFile(ref, filename);
  } catch (err) {
    throw new FrontendError(`cannot read the manifest ${filename}: ${messageOf(err)}`, Code.NotFound);
  }
  const ignore = await bridge.readFile(ref, ignoreName).then(
    (d) => new TextDecoder().decode(d),
    () => undefined,
  );
  return { text: new TextDecoder().decode(data), ...(ignore !== undefined ? { ignore } : {}) };
}

/** The context's own .dockerignore, read through a local that transfers only that file. */
async function readContextDockerignore(
  bridge: BridgeClient,
  env: BuildEnv,
  key: string,
): Promise<string | undefined> {
  const def = marshal(
    local(key, {
      sessionId: env.sessionId,
      followPaths: [".dockerignore"],
      sharedKeyHint: `${key}-.dockerignore`,
      differ: "none",
      name: "[internal] load .dockerignore",
    }),
  ).definition;
  const ref = await solveDefinition(bridge, def);
  return bridge.readFile(ref, ".dockerignore").then(
    (d) => new TextDecoder().decode(d),
    () => undefined,
  );
}

async function solveDefinition(bridge: BridgeClient, definition: Definition | object): Promise<string> {
  const res = await bridge.solve({ Definition: definition });
  const id = res.ref?.id;
  if (!id) throw new FrontendError("BuildKit returned no result reference", Code.Internal);
  return id;
}

function solveRef(bridge: BridgeClient, state: State, platform: Platform): Promise<string> {
  return solveDefinition(bridge, marshal(state, { platform }).definition);
}

/** Every declared artifact must exist as a regular file, or the error lists what the build wrote. */
async function requireArtifacts(
  bridge: BridgeClient,
  ref: string,
  m: Manifest,
  located: (message: string, code: number, spans: Span[]) => FrontendError,
): Promise<void> {
  const missing: Manifest["artifacts"] = [];
  const notFiles: Manifest["artifacts"] = [];
  await Promise.all(
    m.artifacts.map(async (a) => {
      try {
        const st = await bridge.statFile(ref, `/${a.path}`);
        // S_IFMT bits: a directory or device cannot be an executable artifact.
        if ((st.mode & 0o170000) === 0o040000) notFiles.push(a);
      } catch {
        missing.push(a);
      }
    }),
  );
  if (missing.length === 0 && notFiles.length === 0) return;
  const written = await bridge.readDir(ref, "/").then(
    (entries) => entries.map((e) => e.path).sort(),
    () => [] as string[],
  );
  const lines = [
    ...missing.map(
      (a) =>
        `${OUTPUT_DIR}/${a.path} was not produced by the build; it wrote ${written.length ? written.map((w) => `${OUTPUT_DIR}/${w}`).join(", ") : `nothing to ${OUTPUT_DIR}`}`,
    ),
    ...notFiles.map((a) => `${OUTPUT_DIR}/${a.path} is a directory, not a program`),
  ];
  throw located(
    lines.join("\n"),
    Code.NotFound,
    [...missing, ...notFiles].map((a) => a.span),
  );
}

async function imageEnv(
  bridge: BridgeClient,
  ref: string,
  platform: Platform,
  resolveMode: ImageResolveMode,
  sessionId: string,
): Promise<string[]> {
  const normalized = normalizeImageRef(ref);
  const res = await bridge.resolveImageConfig(normalized, {
    platform: { OS: platform.os, Architecture: platform.architecture, Variant: platform.variant ?? "" },
    resolveMode,
    logName: `[internal] load metadata for ${normalized}`,
    sessionId,
  });
  try {
    const cfg = JSON.parse(new TextDecoder().decode(res.Config)) as { config?: { Env?: string[] } };
    return cfg.config?.Env ?? [];
  } catch {
    return [];
  }
}

function targetPlatform(opts: Opts, workers: Platform[]): Platform {
  const worker = workers[0] ?? { os: "linux", architecture: "amd64" };
  const requested = platforms(opts, worker) ?? [worker];
  if (requested.length > 1) {
    throw new FrontendError(
      `several target platforms were requested (${requested.map(formatPlatform).join(", ")}); scratchkit builds one platform per build for now`,
      Code.Unimplemented,
    );
  }
  const p = requested[0] ?? worker;
  log.debug({ platform: formatPlatform(p) }, "target platform");
  return p;
}

/** The manifest and the lines an error is about, for buildx to print under the message. */
function sourceAt(filename: string, text: string, spans: Span[]): SourceLocation {
  return {
    filename,
    data: text,
    language: "YAML",
    ranges: spans.map((s) => ({ start: s.line, end: s.endLine })),
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
