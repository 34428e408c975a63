import {
  image,
  type MountSpec,
  type SourceLocation,
  type SourceMap,
  type State,
  scratch,
} from "../llb/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Span } from "../manifest/types.js";
import type { BuildPlan, BuildStep } from "../plan/types.js";
import { OBSERVER_DIR, OBSERVER_ENV, observerState } from "../sbom/link-observer.js";
import { imageState } from "./image-stage.js";

export interface GraphInputs {
  /** The build stage's root before its first command: the build image, on the stage platform. */
  base: State;
  /** The build context, already filtered by .dockerignore. */
  context: State;
  /** The manifest as a source file, so failing steps print their lines. */
  source: SourceMap;
  /** Named contexts by name (`data[].from: NAME`), already checked against the manifest. */
  named?: ReadonlyMap<string, State>;
}

export interface BuildGraph {
  /** The build stage's output directory: the artifacts, before they are verified. */
  output: State;
  /** The final FROM scratch filesystem: only the artifacts, data and essentials. */
  image: State;
  /** The build stage's root after its commands: its package database, for the SBOM. */
  buildRoot: State;
  /** The working directory after the build commands (Cargo.lock, for the SBOM). */
  sources: State;
  /** The link observer's directory after the build commands (plan.observeLinks). */
  links?: State;
}

/**
 * The whole build as LLB: base (the build image) → packages (own cached step) → build commands with
 * the context mounted and a fresh output directory → scratch stage with the artifacts.
 * Pure: the same plan gives the same graph, byte for byte once marshalled.
 */
export function buildGraph(plan: BuildPlan, inputs: GraphInputs): BuildGraph {
  const at = (span: Span): SourceLocation => ({
    source: inputs.source,
    ranges: [{ start: { line: span.line }, end: { line: span.endLine } }],
  });
  let root = inputs.base;
  let src = inputs.context;
  let toolRoot = root;
  let out = scratch();
  let links = plan.observeLinks ? observerState() : undefined;
  for (const step of plan.steps) {
    const common = {
      args: step.args,
      env: plan.env,
      cwd: plan.workdir,
      network: plan.network,
      name: step.name,
      location: at(step.span),
      ...(plan.noCache ? { ignoreCache: true } : {}),
    };
    if (step.kind === "packages") {
      // Packages do not see the context, so editing a source file never reinstalls them.
      root = root.run(common);
      toolRoot = root;
      continue;
    }
    const observe: MountSpec[] = links ? [{ dest: OBSERVER_DIR, source: links }] : [];
    const exec = root.run({
      ...common,
      ...(links ? { env: [...plan.env, OBSERVER_ENV] } : {}),
      mounts: [
        { dest: plan.workdir, source: src },
        { dest: OUTPUT_DIR, source: out },
        ...observe,
        ...stepMounts(step),
      ],
    });
    root = exec;
    src = exec.getMount(plan.workdir);
    out = exec.getMount(OUTPUT_DIR);
    if (links) links = exec.getMount(OBSERVER_DIR);
  }

  const t = plan.target;
  const spans = [...t.artifacts, ...t.data].map((a) => a.span);
  const finalImage = imageState(
    t,
    { output: out, buildRoot: root, toolRoot, context: inputs.context, named: inputs.named ?? new Map() },
    plan.epoch,
    {
      name: `[image 1/1] copy ${[...t.data, ...t.artifacts].map((a) => a.dest).join(" ")}`,
      location: at(spanOf(spans)),
      ...(plan.noCache ? { ignoreCache: true } : {}),
    },
  );
  return { output: out, image: finalImage, buildRoot: root, sources: src, ...(links ? { links } : {}) };
}

/** The registry image the plan names (pinned to its digest when resolved), on the stage platform. */
export function registryBase(plan: BuildPlan): State {
  return image(plan.baseImage, {
    platform: plan.stagePlatform,
    resolveMode: plan.imageResolveMode,
  }).withPlatform(plan.stagePlatform);
}

/** Cache and secret mounts of one command; secrets never enter a layer or the LLB as data. */
function stepMounts(step: BuildStep): MountSpec[] {
  return [
    ...step.cache.map(
      (c): MountSpec => ({ dest: c.path, type: "cache", cacheId: c.id ?? c.path, sharing: c.sharing }),
    ),
    ...step.secrets.map(
      (s): MountSpec => ({ dest: s.target, type: "secret", secretId: s.id, optional: !s.required }),
    ),
  ];
}

function spanOf(spans: Span[]): Span {
  const first = spans[0] ?? { line: 1, col: 1, endLine: 1, endCol: 1 };
  return { ...first, endLine: Math.max(...spans.map((s) => s.endLine), first.endLine) };
}
