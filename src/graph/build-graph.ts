import {
  copy,
  type FileAction,
  image,
  type SourceLocation,
  type SourceMap,
  type State,
  scratch,
} from "../llb/index.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Span } from "../manifest/types.js";
import type { BuildPlan } from "../plan/types.js";

export interface GraphInputs {
  /** The build context, already filtered by .dockerignore. */
  context: State;
  /** The manifest as a source file, so failing steps print their lines. */
  source: SourceMap;
}

export interface BuildGraph {
  /** The build stage's output directory: the artifacts, before they are verified. */
  output: State;
  /** The final FROM scratch filesystem: only the artifacts, at their destinations. */
  image: State;
}

/**
 * The whole build as LLB: base image → packages (own cached step) → build commands with
 * the context mounted and a fresh output directory → scratch stage with the artifacts.
 * Pure: the same plan gives the same graph, byte for byte once marshalled.
 */
export function buildGraph(plan: BuildPlan, inputs: GraphInputs): BuildGraph {
  const at = (span: Span): SourceLocation => ({
    source: inputs.source,
    ranges: [{ start: { line: span.line }, end: { line: span.endLine } }],
  });
  let root = image(plan.baseImage, {
    platform: plan.platform,
    resolveMode: plan.imageResolveMode,
  }).withPlatform(plan.platform);
  let src = inputs.context;
  let out = scratch();
  for (const step of plan.steps) {
    const common = {
      args: step.args,
      env: plan.env,
      cwd: plan.workdir,
      network: plan.network,
      name: step.name,
      location: at(step.span),
    };
    if (step.kind === "packages") {
      // Packages do not see the context, so editing a source file never reinstalls them.
      root = root.run(common);
      continue;
    }
    const exec = root.run({
      ...common,
      mounts: [
        { dest: plan.workdir, source: src },
        { dest: OUTPUT_DIR, source: out },
      ],
    });
    root = exec;
    src = exec.getMount(plan.workdir);
    out = exec.getMount(OUTPUT_DIR);
  }

  // One FileOp, so the image gets exactly one layer holding only the artifacts.
  const opts = { followSymlinks: true, createDestPath: true };
  const files = plan.artifacts.reduce<FileAction | undefined>(
    (acc, a) => (acc ? acc.copy(out, `/${a.path}`, a.dest, opts) : copy(out, `/${a.path}`, a.dest, opts)),
    undefined,
  );
  const names = plan.artifacts.map((a) => a.dest).join(" ");
  const finalImage = files
    ? scratch().file(files, {
        name: `[image 1/1] copy ${names}`,
        location: at(spanOf(plan.artifacts.map((a) => a.span))),
      })
    : scratch();
  return { output: out, image: finalImage };
}

function spanOf(spans: Span[]): Span {
  const first = spans[0] ?? { line: 1, col: 1, endLine: 1, endCol: 1 };
  return { ...first, endLine: Math.max(...spans.map((s) => s.endLine), first.endLine) };
}
