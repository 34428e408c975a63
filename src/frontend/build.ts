// One build as phases on one growing context object (like dockerfile2llb's dispatch state):
// load → plan → graph → build and verify → export. Errors about manifest lines are thrown
// where they happen (LocatedError, ManifestError, PlanError); the dispatcher locates them.
import type { BuildConfig } from "../gateway/build-config.js";
import { FrontendCap } from "../gateway/caps.js";
import type { Result } from "../gateway/client.js";
import { Code, FrontendError } from "../gateway/errors.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import { LocatedError, type ManifestSource } from "../gateway/located.js";
import { formatPlatform } from "../gateway/opts.js";
import { assembleBuild, type BuildContext, buildContext, type ContextOptions } from "../graph/assemble.js";
import type { BuildGraph } from "../graph/build-graph.js";
import { imageConfig } from "../image/config.js";
import { lintWarnings } from "../lint/index.js";
import { type Marshalled, marshal, normalizeImageRef, type SourceMap } from "../llb/index.js";
import { log } from "../log.js";
import { parseManifest } from "../manifest/parse.js";
import type { Manifest } from "../manifest/types.js";
import { planBuild } from "../plan/plan.js";
import type { BuildPlan, Platform } from "../plan/types.js";
import { checkFiles, type GateResult } from "../verify/static-gate.js";
import { sendWarnings, warnRequests } from "../verify/warnings.js";
import { requireArtifacts } from "./artifacts.js";
import { resolveBase } from "./base-image.js";
import { undeclaredArgsWarning, undeclaredBuildArgs } from "./build-args.js";
import { contextDataDirs, listContext, requireContextData } from "./context-data.js";
import type { MainContext } from "./main-context.js";
import { solveMarshalled } from "./solve.js";

/** What the frontend read before building: the manifest, the .dockerignore that applies, the context. */
export interface BuildInput {
  source: ManifestSource;
  dockerignore: string;
  /** Default: the client's local directory named by the contextkey option. */
  context?: MainContext;
}

/** After load: the parsed manifest, the target platform and the filtered context. */
interface Loaded {
  client: FrontendClient;
  config: BuildConfig;
  input: BuildInput;
  manifest: Manifest;
  platform: Platform;
  context: BuildContext;
}
/** After plan: the build image as resolved, and the plan its context data was checked against. */
interface Planned extends Loaded {
  base: { digest: string; env: string[] };
  plan: BuildPlan;
}
/** After graph: the LLB, with the build stage's output marshalled for solving. */
interface Graphed extends Planned {
  graph: BuildGraph;
  source: SourceMap;
  outputDef: Marshalled;
  at: { source: SourceMap; steps: BuildPlan["steps"]; baseImage: Manifest["build"]["image"]["span"] };
}

/**
 * One whole build: parse the manifest, plan it, build the artifacts, verify that they are
 * static, and only then describe the FROM scratch image. A failed Solve propagates as the
 * bridge's error so BuildKit's details survive.
 */
export async function runBuild(
  client: FrontendClient,
  config: BuildConfig,
  input: BuildInput,
): Promise<Result> {
  const loaded = load(client, config, input);
  const graphed = graph(await plan(loaded));
  await buildAndVerify(graphed);
  return exportImage(graphed);
}

/** Parses the manifest; picks the platform and the context the build reads. */
function load(client: FrontendClient, config: BuildConfig, input: BuildInput): Loaded {
  const manifest = parseManifest(input.source.text, input.source.filename);
  const platform = targetPlatform(config.platforms);
  const context = buildContext(manifest, contextOptions({ client, config, input }));
  return { client, config, input, manifest, platform, context };
}

function contextOptions(b: Pick<Loaded, "client" | "config" | "input">): ContextOptions {
  const context = b.input.context;
  const common = { dockerignore: b.input.dockerignore, sessionId: b.client.buildOpts().sessionId };
  if (context === undefined || context.kind === "local")
    return { ...common, contextKey: context?.key ?? b.config.contextKey };
  // The manifest is left out of a remote context as it is of a local one.
  return { ...common, remote: context.state, manifestPath: context.manifestPath };
}

/** Resolves the build image (overlapping with listing the context's data), plans, checks the data is there. */
async function plan(b: Loaded): Promise<Planned> {
  const { client, config, manifest, platform } = b;
  const image = manifest.build.image;
  const [resolved, listed] = await Promise.allSettled([
    resolveBase(client, image.value, platform, config.imageResolveMode, image.span),
    listContext(client, b.context.state, platform, contextDataDirs(manifest)),
  ]);
  if (resolved.status === "rejected") throw resolved.reason;
  if (listed.status === "rejected") throw listed.reason;
  const base = resolved.value;
  const { epoch, noCache } = config;
  const planned = planBuild(manifest, {
    platform,
    baseEnv: base.env,
    ...(base.digest ? { baseDigest: base.digest } : {}),
    network: config.network,
    imageResolveMode: config.imageResolveMode,
    buildArgs: config.buildArgs,
    target: config.target,
    ...(noCache !== undefined ? { noCache } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
  });
  await requireContextData(listed.value, planned.target.data, { filtered: b.context.filtered });
  return { ...b, base, plan: planned };
}

/** The LLB, assembled as `scratchkit llb` assembles it. */
function graph(b: Planned): Graphed {
  const { source, ...graph } = assembleBuild(b.manifest, b.plan, contextOptions(b));
  const outputDef = marshal(graph.output, { platform: b.platform });
  const at = { source, steps: b.plan.steps, baseImage: b.manifest.build.image.span };
  return { ...b, graph, source, outputDef, at };
}

/**
 * Builds the artifacts and reads their headers before anything is exported. Evaluated now,
 * so a failing build command reports its own error (with its manifest lines) instead of
 * surfacing later as a missing artifact.
 */
async function buildAndVerify(b: Graphed): Promise<void> {
  const { client, platform } = b;
  const evaluate = client.buildOpts().caps.frontend.has(FrontendCap.Evaluate);
  const outputRef = await solveMarshalled(client, b.outputDef, b.at, evaluate);
  const shipped = await requireArtifacts(outputRef, b.plan.target.artifacts);
  const gate = await checkFiles(shipped.files, rangeReader(outputRef), platform);
  logVerdicts(gate);
  await warn(b, gate);
  const failures = [...shipped.failures, ...gate.failures];
  // file:line:col in the message itself: the Engine API's errorDetail carries only the message.
  if (failures.length > 0) {
    const at = failures.map((f) => ({ span: f.artifact.span, message: f.message }));
    throw LocatedError.at(at, Code.FailedPrecondition);
  }
}

/** Solves the FROM scratch image and describes it for the exporter. */
async function exportImage(b: Graphed): Promise<Result> {
  const { manifest, config } = b;
  const imageRef = await solveMarshalled(b.client, marshal(b.graph.image, { platform: b.platform }), b.at);
  const image = imageConfig(manifest, b.plan, {
    labels: Object.fromEntries(config.labels),
    base: { name: normalizeImageRef(manifest.build.image.value), digest: b.base.digest },
    ...config.vcs,
  });
  const metadata: Record<string, Uint8Array> = {
    "containerimage.config": new TextEncoder().encode(JSON.stringify(image)),
  };
  // The exporter clamps layer timestamps to it, so two builds give the same image ID.
  if (config.epoch !== undefined)
    metadata["source.date.epoch"] = new TextEncoder().encode(String(config.epoch));
  return { ref: { id: imageRef.id }, metadata };
}

/**
 * Lint findings, gate warnings and undeclared build args, filed under the build step (a
 * vertex buildx has already shown; it drops unknown ones). The gate measures stripping on
 * the binary itself, so lint's guess from the command is left out. Without the
 * gateway.warnings cap nothing is sent, so nothing is worked out.
 */
async function warn(b: Graphed, gate: GateResult): Promise<void> {
  const { client, manifest, source } = b;
  if (!client.buildOpts().caps.frontend.has(FrontendCap.Warnings)) return;
  const digest = b.outputDef.root;
  const args = undeclaredBuildArgs(manifest, b.config.buildArgs);
  const argWarning = undeclaredArgsWarning(args, manifest, source, digest);
  const warnings = [
    ...lintWarnings(manifest, source, digest, { skip: ["UnstrippedBuild"] }),
    ...warnRequests(gate.warnings, source, digest),
    ...(argWarning ? [argWarning] : []),
  ];
  await sendWarnings(
    (w) => client.warn(w),
    warnings,
    (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "Warn failed"),
  );
}

function rangeReader(ref: Ref) {
  return (path: string, offset: number, length: number) => ref.readFile(`/${path}`, { offset, length });
}

function logVerdicts(gate: GateResult): void {
  const round = (x: number) => Math.round(x * 10) / 10;
  for (const r of gate.reports) {
    const { bytesRead, ms, verdictMs, hazard } = r.assessment;
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
