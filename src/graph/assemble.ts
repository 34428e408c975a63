// One assembly of the build's LLB from a manifest and its plan, for the frontend and for
// `scratchkit llb` alike, so the CLI prints exactly the definition the frontend sends.
import type { SourceMap, State } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import type { BuildPlan } from "../plan/types.js";
import { type BuildGraph, buildGraph, registryBase } from "./build-graph.js";
import { type ContextOrigin, contextSource } from "./context-source.js";
import { parseDockerignore } from "./dockerignore.js";

export interface ContextOptions {
  /** The .dockerignore that applies (the manifest's own `<name>.dockerignore`, else the context's); "" for none. */
  dockerignore: string;
  /** The context's local name; default "context". */
  contextKey?: string;
  sessionId?: string;
  /** A context that is not the client's local directory (remote, or a frontend input). */
  remote?: State;
  /** Where the manifest sits in the context when not at `filename` (a manifest downloaded by URL). */
  manifestPath?: string;
  /**
   * The manifest's name in its directory, as the frontend's `filename` option gives it
   * (default: the manifest's own filename); the CLI reads a path and passes its base name.
   */
  filename?: string;
  /** Named contexts by name, for data `from: NAME` (the frontend resolves and checks them). */
  named?: ReadonlyMap<string, State>;
  /**
   * The build stage's root when a named context replaces the build image (a layout's image, a
   * local directory...); default the registry image the plan names.
   */
  base?: State;
}

/** The build context as the build reads it. */
export interface BuildContext {
  state: State;
  /** Whether .dockerignore or build.context leave anything out (error messages say so). */
  filtered: boolean;
}

/**
 * The context filtered by .dockerignore and build.context. The manifest (and its own ignore
 * file) is not a build input: editing a label must not re-run the compile. Pure.
 */
export function buildContext(manifest: Manifest, opts: ContextOptions): BuildContext {
  const ignored = [...parseDockerignore(opts.dockerignore), ...manifest.build.contextExclude];
  const filename = opts.manifestPath ?? opts.filename ?? manifest.filename;
  const origin: ContextOrigin = opts.remote
    ? { kind: "state", state: opts.remote }
    : {
        kind: "local",
        key: opts.contextKey ?? "context",
        ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
      };
  const state = contextSource(origin, {
    include: manifest.build.contextInclude,
    exclude: [...ignored, filename, `${filename}.dockerignore`],
  });
  return { state, filtered: ignored.length > 0 || manifest.build.contextInclude.length > 0 };
}

/** The manifest as the source map its steps point into. */
export function manifestSourceMap(manifest: Manifest, filename = manifest.filename): SourceMap {
  return { filename, data: new TextEncoder().encode(manifest.source), language: "YAML" };
}

/** The build's graph (build stage output and final image) from its plan. Pure. */
export function assembleBuild(
  manifest: Manifest,
  plan: BuildPlan,
  opts: ContextOptions,
): BuildGraph & { source: SourceMap } {
  const source = manifestSourceMap(manifest, opts.filename);
  const inputs = {
    base: opts.base ?? registryBase(plan),
    context: buildContext(manifest, opts).state,
    source,
    ...(opts.named ? { named: opts.named } : {}),
  };
  return { ...buildGraph(plan, inputs), source };
}
