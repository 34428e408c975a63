// One build as phases on one growing context object (like dockerfile2llb's dispatch state):
// load → plan → graph → build and verify → export. Errors about manifest lines are thrown
// where they happen (LocatedError, ManifestError, PlanError); the dispatcher locates them.
import { posix } from "node:path";
import type { BuildConfig } from "../gateway/build-config.js";
import { FrontendCap } from "../gateway/caps.js";
import type { Definition, Result } from "../gateway/client.js";
import { Code } from "../gateway/errors.js";
import type { FrontendClient, Ref, Warning } from "../gateway/frontend-client.js";
import { LocatedError, type ManifestSource } from "../gateway/located.js";
import { formatPlatform } from "../gateway/opts.js";
import { assembleBuild, type BuildContext, buildContext, type ContextOptions } from "../graph/assemble.js";
import type { BuildGraph } from "../graph/build-graph.js";
import { imageConfig } from "../image/config.js";
import { lintWarnings } from "../lint/index.js";
import { type Marshalled, marshal, type SourceMap, type State } from "../llb/index.js";
import { log } from "../log.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Manifest } from "../manifest/types.js";
import { stagePlatformFor } from "../plan/cross.js";
import { loadManifest } from "../plan/manifest.js";
import { planBuild } from "../plan/plan.js";
import type { BuildPlan, Platform } from "../plan/types.js";
import type { GateFile } from "../verify/shipped.js";
import { checkFiles, type GateResult } from "../verify/static-gate.js";
import { sendWarnings, warnRequests } from "../verify/warnings.js";
import { requireArtifacts } from "./artifacts.js";
import { undeclaredArgsWarning, undeclaredBuildArgs } from "./build-args.js";
import { type BuildBase, baseLabels, resolveBuildBase, sbomBuildImage } from "./build-base.js";
import { contextDataDirs, listContext, requireContextData } from "./context-data.js";
import { readingAhead } from "./gate-reads.js";
import { commitMTime, type MainContext } from "./main-context.js";
import { namedDataStates } from "./named-data.js";
import { type PlatformImage, type PlatformSbom, platformResult } from "./platform-result.js";
import { sbomAttestation } from "./sbom.js";
import { solveMarshalled } from "./solve.js";

/** What the frontend read before building: the manifest, the .dockerignore that applies, the context. */
export interface BuildInput {
  source: ManifestSource;
  /** May still be on its way: the build image is resolved meanwhile. */
  dockerignore: string | Promise<string>;
  /** Default: the client's local directory named by the contextkey option. */
  context?: MainContext;
  /** The frontend inputs (a named context `input:NAME` reads one). */
  inputs?: Record<string, Definition>;
}

/** After load: the parsed manifest, one target platform and the filtered context. */
interface Loaded {
  client: FrontendClient;
  config: BuildConfig;
  input: BuildInput & { dockerignore: string };
  manifest: Manifest;
  platform: Platform;
  context: BuildContext;
  /** This platform's build base (and the manifest as it sees it), resolving since the manifest was parsed. */
  resolving: Promise<ResolvedBase>;
  /** The platform's place in the request: manifest-wide warnings are sent once, by the first. */
  index: number;
}
/**
 * After plan: the build image as resolved (the manifest's build.image replaced when a
 * docker-image:// named context stands in for it), and the plan its context data was checked against.
 */
interface Planned extends Loaded {
  base: BuildBase;
  plan: BuildPlan;
  /** The named contexts the target's data copies from. */
  named: ReadonlyMap<string, State>;
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
  const manifest = loadManifest(input.source.text, input.source.filename);
  // The build base needs only the manifest: it is resolved while the .dockerignore files may
  // still be read. Awaited in plan; a failure before that must not go unhandled.
  const resolving = config.platforms.map((platform) =>
    resolveStageBase(client, config, input, manifest, platform),
  );
  for (const r of resolving) r.catch(() => undefined);
  const read = { ...input, dockerignore: await input.dockerignore };
  const context = buildContext(manifest, contextOptions({ client, config, input: read }));
  log.debug({ platforms: config.platforms.map(formatPlatform) }, "target platforms");
  // One pipeline per platform, side by side as dockerui's Build runs them; the first failure fails the build.
  const images = await Promise.all(
    config.platforms.map((platform, index) =>
      buildPlatform({
        client,
        config,
        input: read,
        manifest,
        platform,
        context,
        index,
        resolving: resolving[index] as Promise<ResolvedBase>,
      }),
    ),
  );
  return platformResult(images, config.multiPlatform, config.epoch);
}

/** Plan → graph → build and verify → the platform's image. */
async function buildPlatform(loaded: Loaded): Promise<PlatformImage> {
  const graphed = graph(await plan(loaded));
  await warnUndeclaredArgs(graphed);
  const { shipped, imageRef: solving } = await buildAndVerify(graphed);
  const { image, imageRef } = await exportImage(graphed, await solving);
  if (!graphed.config.sbom) return image;
  return { ...image, sbom: await sbom(graphed, shipped, imageRef) };
}

/** --sbom=true: the platform's SPDX document from the build stage, the link maps and the image. */
async function sbom(b: Graphed, shipped: GateFile[], imageRef: Ref): Promise<PlatformSbom> {
  const solve = (state: State) =>
    solveMarshalled(b.client, marshal(state, { platform: b.plan.stagePlatform }), b.at);
  const [buildRoot, sources, links] = await Promise.all([
    solve(b.graph.buildRoot),
    solve(b.graph.sources),
    b.graph.links ? solve(b.graph.links) : undefined,
  ]);
  const name = b.config.labels.get("org.opencontainers.image.title") ?? b.plan.target.name;
  return sbomAttestation({
    client: b.client,
    buildRoot,
    sources,
    ...(links ? { links } : {}),
    buildImage: sbomBuildImage(b.manifest, b.base),
    artifacts: shipped.map((f) => ({ image: imagePath(f), built: `${OUTPUT_DIR}${f.path}` })),
    image: imageRef,
    name,
    platform: b.platform,
    platformId: formatPlatform(b.platform),
    ...(b.config.epoch !== undefined ? { epoch: b.config.epoch } : {}),
  });
}

/** Where a verified file lands in the image: the artifact's dest, or inside a directory artifact's. */
function imagePath(f: GateFile): string {
  const base = `/${f.artifact.path}`;
  if (f.path === base) return f.artifact.dest;
  return posix.join(f.artifact.dest, posix.relative(base, f.path));
}

function contextOptions(b: Pick<Loaded, "client" | "config" | "input">): ContextOptions {
  const context = b.input.context;
  const common = { dockerignore: b.input.dockerignore, sessionId: b.client.buildOpts().sessionId };
  if (context === undefined || context.kind === "local")
    return { ...common, contextKey: context?.key ?? b.config.contextKey };
  // The manifest is left out of a remote context as it is of a local one.
  return { ...common, remote: context.state, manifestPath: context.manifestPath };
}

type ResolvedBase = Awaited<ReturnType<typeof resolveBuildBase>>;

/** What the named contexts a build reads need besides the platform. */
function namedOptions(client: FrontendClient, config: BuildConfig, input: BuildInput) {
  return {
    sessionId: client.buildOpts().sessionId,
    inputs: input.inputs ?? {},
    gitMTimeCommit: commitMTime(client, config.epoch),
  };
}

/** The platform's build base, as its stage runs it. */
function resolveStageBase(
  client: FrontendClient,
  config: BuildConfig,
  input: BuildInput,
  manifest: Manifest,
  platform: Platform,
): Promise<ResolvedBase> {
  // Cross builds run the build platform's variant of the image; emulated ones the target's.
  const stagePlatform = stagePlatformFor(manifest, config.buildPlatform, platform);
  return resolveBuildBase(client, manifest, config, stagePlatform, namedOptions(client, config, input));
}

/** Takes the resolved build base (overlapping with listing the context's data), plans, checks the data is there. */
async function plan(b: Loaded): Promise<Planned> {
  const { client, config, platform } = b;
  const { epoch, noCache } = config;
  const named = namedOptions(client, config, b.input);
  const [resolved, listed] = await Promise.allSettled([
    b.resolving,
    listContext(client, b.context.state, platform, contextDataDirs(b.manifest)),
  ]);
  if (resolved.status === "rejected") throw resolved.reason;
  if (listed.status === "rejected") throw listed.reason;
  const { manifest, base } = resolved.value;
  const planned = planBuild(manifest, {
    platform,
    buildPlatform: config.buildPlatform,
    baseEnv: base.env,
    // A registry image is pinned to the digest it resolved to; a named context's state is used as it is.
    ...(base.kind === "image" && base.digest ? { baseDigest: base.digest } : {}),
    network: config.network,
    imageResolveMode: config.imageResolveMode,
    buildArgs: config.buildArgs,
    target: config.target,
    ...(noCache !== undefined ? { noCache } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    sbom: config.sbom,
  });
  const [namedData] = await Promise.all([
    namedDataStates(client, planned.target.data, config.namedContexts, { ...named, platform }),
    requireContextData(listed.value, planned.target.data, { filtered: b.context.filtered }),
  ]);
  return { ...b, manifest, base, plan: planned, named: namedData };
}

/** The LLB, assembled as `scratchkit llb` assembles it. */
function graph(b: Planned): Graphed {
  const { source, ...graph } = assembleBuild(b.manifest, b.plan, {
    ...contextOptions(b),
    named: b.named,
    ...(b.base.kind === "context" ? { base: b.base.state } : {}),
  });
  const outputDef = marshal(graph.output, { platform: b.platform });
  const at = { source, steps: b.plan.steps, baseImage: b.manifest.build.image.span };
  return { ...b, graph, source, outputDef, at };
}

/**
 * Builds the artifacts and reads their headers before anything is exported. Evaluated now,
 * so a failing build command reports its own error (with its manifest lines) instead of
 * surfacing later as a missing artifact. The image is solved while the gate reads: a Solve
 * without Evaluate builds nothing (BuildKit only records the definition), and BuildKit
 * exports only the ref Returned, which happens once the gate has passed; a failing gate
 * Returns its error and the image ref is dropped unread.
 */
async function buildAndVerify(b: Graphed): Promise<{ shipped: GateFile[]; imageRef: Promise<Ref> }> {
  const { client, platform } = b;
  const evaluate = client.buildOpts().caps.frontend.has(FrontendCap.Evaluate);
  const outputRef = await solveMarshalled(client, b.outputDef, b.at, evaluate);
  const imageRef = solveMarshalled(client, marshal(b.graph.image, { platform }), b.at);
  // Awaited only when the gate passes; a failure meanwhile must not go unhandled.
  imageRef.catch(() => undefined);
  // Lint findings go out while the gate reads (the build step's vertex is shown by now).
  const linted = warnLint(b);
  let gate: GateResult;
  let shipped: Awaited<ReturnType<typeof requireArtifacts>>;
  try {
    // The artifacts' first bytes are on their way while /out is listed.
    const read = readingAhead(outputRef, b.plan.target.artifacts);
    shipped = await requireArtifacts(outputRef, b.plan.target.artifacts);
    gate = await checkFiles(shipped.files, read, platform);
  } finally {
    await linted;
  }
  logVerdicts(gate);
  await warnGate(b, gate);
  const failures = [...shipped.failures, ...gate.failures];
  // file:line:col in the message itself: the Engine API's errorDetail carries only the message.
  if (failures.length > 0) {
    const at = failures.map((f) => ({ span: f.artifact.span, message: f.message }));
    throw LocatedError.at(at, Code.FailedPrecondition);
  }
  return { shipped: shipped.files, imageRef };
}

/** Describes the platform's verified FROM scratch image for the exporter. */
async function exportImage(b: Graphed, imageRef: Ref): Promise<{ image: PlatformImage; imageRef: Ref }> {
  const { manifest, config } = b;
  const base = baseLabels(manifest, b.base);
  const image = imageConfig(manifest, b.plan, {
    labels: Object.fromEntries(config.labels),
    ...(base ? { base } : {}),
    ...config.vcs,
  });
  return { image: { platform: b.platform, refId: imageRef.id, config: image }, imageRef };
}

/**
 * The --build-args the manifest does not declare, said before the build step runs, so a
 * failing compile does not hide them; filed under the build step, like every warning. The
 * manifest's, the same for every platform: sent once.
 */
async function warnUndeclaredArgs(b: Graphed): Promise<void> {
  if (b.index !== 0 || !b.client.buildOpts().caps.frontend.has(FrontendCap.Warnings)) return;
  const args = undeclaredBuildArgs(b.manifest, b.config.buildArgs);
  const warning = undeclaredArgsWarning(args, b.manifest, b.source, b.outputDef.root);
  if (warning) await send(b.client, [warning]);
}

/**
 * Lint findings, then gate warnings, are filed under the build step (a vertex buildx has
 * already shown once its Solve returned; it drops unknown ones). The gate measures stripping
 * on the binary itself, so lint's guess from the command is left out. Without the
 * gateway.warnings cap nothing is sent, so nothing is worked out.
 */
async function warnLint(b: Graphed): Promise<void> {
  const { client, manifest, source } = b;
  // Lint findings are the manifest's, the same for every platform: sent once.
  if (b.index !== 0 || !client.buildOpts().caps.frontend.has(FrontendCap.Warnings)) return;
  const digest = b.outputDef.root;
  const opts = { skip: ["UnstrippedBuild"], platforms: b.config.platforms };
  await send(client, lintWarnings(manifest, source, digest, opts));
}

async function warnGate(b: Graphed, gate: GateResult): Promise<void> {
  if (!b.client.buildOpts().caps.frontend.has(FrontendCap.Warnings)) return;
  await send(b.client, warnRequests(gate.warnings, b.source, b.outputDef.root));
}

async function send(client: FrontendClient, warnings: Warning[]): Promise<void> {
  await sendWarnings(
    (w) => client.warn(w),
    warnings,
    (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "Warn failed"),
  );
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
