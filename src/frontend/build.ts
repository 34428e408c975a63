import type { BuildConfig } from "../gateway/build-config.js";
import { FrontendCap } from "../gateway/caps.js";
import type { Result } from "../gateway/client.js";
import { Code, FrontendError, type SourceLocation } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import type { ManifestSource } from "../gateway/located.js";
import { formatPlatform } from "../gateway/opts.js";
import { buildGraph } from "../graph/build-graph.js";
import { contextSource } from "../graph/context.js";
import { imageConfig } from "../image/config.js";
import { lintWarnings } from "../lint/index.js";
import { marshal, normalizeImageRef, type SourceMap } from "../llb/index.js";
import { log } from "../log.js";
import { formatDiagnostic, ManifestError } from "../manifest/errors.js";
import { parseManifest } from "../manifest/parse.js";
import type { Manifest, Span } from "../manifest/types.js";
import { PlanError, planBuild } from "../plan/plan.js";
import type { BuildPlan, Platform } from "../plan/types.js";
import { checkFiles } from "../verify/static-gate.js";
import { sendWarnings, warnRequests } from "../verify/warnings.js";
import { requireArtifacts } from "./artifacts.js";
import { resolveBase } from "./base-image.js";
import { undeclaredArgsWarning, undeclaredBuildArgs } from "./build-args.js";
import { contextDataDirs, listContext, requireContextData } from "./context-data.js";
import { parseDockerignore } from "./dockerignore.js";
import { solveMarshalled } from "./solve.js";

/** What the frontend read before building: the manifest, and the .dockerignore that applies. */
export interface BuildInput {
  source: ManifestSource;
  dockerignore: string;
}

/**
 * One whole build: parse the manifest, plan it, build the artifacts, verify that they are
 * static, and only then describe the FROM scratch image. Throws FrontendError for our own
 * errors; a failed Solve propagates as the bridge's error so BuildKit's details survive.
 */
export async function runBuild(
  client: FrontendClient,
  config: BuildConfig,
  input: BuildInput,
): Promise<Result> {
  const { sessionId, caps } = client.buildOpts();
  const { filename, contextKey } = config;
  const definition = input.source;
  const located = (message: string, code: number, spans: Span[]) =>
    new FrontendError(message, code, sourceAt(filename, definition.text, spans));
  /** One `file:line:col: message` line per span, and those lines shown under the error. */
  const locatedAt = (at: Array<{ span: Span; message: string }>, code: number) =>
    located(
      at.map((d) => formatDiagnostic(filename, d)).join("\n"),
      code,
      at.map((d) => d.span),
    );
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

  const platform = targetPlatform(config.platforms);
  const resolveMode = config.imageResolveMode;
  const imageSpan = manifest.build.image.span;
  // The context the build copies data from, filtered exactly as the build filters it.
  const ignored = [...parseDockerignore(input.dockerignore), ...manifest.build.contextExclude];
  const context = contextSource(contextKey, {
    sessionId,
    include: manifest.build.contextInclude,
    // The manifest is not a build input: editing a label must not re-run the compile.
    exclude: [...ignored, filename, `${filename}.dockerignore`],
  });
  // Listing the context's data directories overlaps with resolving the build image.
  const [resolved, listed] = await Promise.allSettled([
    resolveBase(client, manifest.build.image.value, platform, resolveMode, (message, code) =>
      locatedAt([{ span: imageSpan, message }], code),
    ),
    listContext(client, context, platform, contextDataDirs(manifest)),
  ]);
  if (resolved.status === "rejected") throw resolved.reason;
  if (listed.status === "rejected") throw listed.reason;
  const base = resolved.value;
  const { epoch, noCache } = config;
  let plan: BuildPlan;
  try {
    plan = planBuild(manifest, {
      platform,
      baseEnv: base.env,
      ...(base.digest ? { baseDigest: base.digest } : {}),
      network: config.network,
      imageResolveMode: resolveMode,
      buildArgs: config.buildArgs,
      target: config.target,
      ...(noCache !== undefined ? { noCache } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
    });
  } catch (err) {
    if (err instanceof PlanError) throw located(err.message, Code.InvalidArgument, err.spans);
    throw err;
  }
  await requireContextData(listed.value, plan.target.data, {
    filtered: ignored.length > 0 || manifest.build.contextInclude.length > 0,
    fail: (at) => locatedAt(at, Code.NotFound),
  });
  const artifacts = plan.target.artifacts;
  const source: SourceMap = {
    filename,
    data: new TextEncoder().encode(definition.text),
    language: "YAML",
  };
  const graph = buildGraph(plan, { context, source });

  // Build the artifacts and read their headers before anything is exported.
  // Evaluate now, so a failing build command reports its own error (with its manifest
  // lines) instead of surfacing later as a missing artifact.
  const outputDef = marshal(graph.output, { platform });
  const at = { source, steps: plan.steps, baseImage: imageSpan };
  const outputRef = await solveMarshalled(client, outputDef, at, caps.frontend.has(FrontendCap.Evaluate));
  const shipped = await requireArtifacts(outputRef, artifacts, located);
  const gate = await checkFiles(
    shipped.files,
    (path, offset, length) => outputRef.readFile(`/${path}`, { offset, length }),
    platform,
  );
  for (const r of gate.reports) {
    const { bytesRead, ms, verdictMs, hazard } = r.assessment;
    const round = (x: number) => Math.round(x * 10) / 10;
    log.info(
      {
        artifact: r.file.shown,
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
  // Filed under the build step, a vertex buildx has already shown (it drops unknown ones).
  // The gate measures stripping on the binary itself, so lint's guess from the command is left out.
  // Without the gateway.warnings cap nothing is sent, so nothing is worked out.
  if (caps.frontend.has(FrontendCap.Warnings)) {
    const argWarning = undeclaredArgsWarning(
      undeclaredBuildArgs(manifest, config.buildArgs),
      manifest,
      source,
      outputDef.root,
    );
    const reqs = [
      ...lintWarnings(manifest, source, outputDef.root, { skip: ["UnstrippedBuild"] }),
      ...warnRequests(gate.warnings, source, outputDef.root),
      ...(argWarning ? [argWarning] : []),
    ];
    await sendWarnings(
      (w) => client.warn(w),
      reqs,
      (err) => log.warn({ err: messageOf(err) }, "Warn failed"),
    );
  }
  const failures = [...shipped.failures, ...gate.failures];
  if (failures.length > 0) {
    throw located(
      failures.map((f) => f.message).join("\n"),
      Code.FailedPrecondition,
      failures.map((f) => f.artifact.span),
    );
  }

  const imageRef = await solveMarshalled(client, marshal(graph.image, { platform }), at);
  const image = imageConfig(manifest, plan, {
    labels: Object.fromEntries(config.labels),
    base: { name: normalizeImageRef(manifest.build.image.value), digest: base.digest },
    ...config.vcs,
  });
  const metadata: Record<string, Uint8Array> = {
    "containerimage.config": new TextEncoder().encode(JSON.stringify(image)),
  };
  // The exporter clamps layer timestamps to it, so two builds give the same image ID.
  if (epoch !== undefined) metadata["source.date.epoch"] = new TextEncoder().encode(String(epoch));
  return { ref: { id: imageRef.id }, metadata };
}

function targetPlatform(requested: Platform[]): Platform {
  if (requested.length > 1) {
    throw new FrontendError(
      `several target platforms were requested (${requested.map(formatPlatform).join(", ")}); scratchkit builds one platform per build for now`,
      Code.Unimplemented,
    );
  }
  const p = requested[0] as Platform;
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
