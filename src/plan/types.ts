import type { CacheMount, SecretMount, Span, Target } from "../manifest/types.js";
import type { ImageResolveMode, NetworkMode, Platform } from "../platform.js";

export type { NetworkMode, Platform };

/** One command of the build stage, ready to become an exec op. */
export interface BuildStep {
  kind: "packages" | "run";
  /** argv, never a string for a shell to split, except the user's own run commands. */
  args: string[];
  /** Progress label, e.g. `[build 2/3] cc -static -Os -o /out/hello hello.c`. */
  name: string;
  cache: CacheMount[];
  secrets: SecretMount[];
  span: Span;
}

/** Everything the LLB graph needs, decided from the manifest and the build's options. */
export interface BuildPlan {
  /** The platform being built (TARGETPLATFORM): the gate checks the artifacts against it. */
  platform: Platform;
  /**
   * Where the build stage runs: the target platform (emulated under qemu when foreign), or
   * the build platform when the manifest cross-compiles.
   */
  stagePlatform: Platform;
  baseImage: string;
  imageResolveMode: ImageResolveMode;
  network: NetworkMode;
  workdir: string;
  env: string[];
  steps: BuildStep[];
  /** The image being built (--target), with build args substituted. */
  target: Target;
  contextInclude: string[];
  contextExclude: string[];
  /** --no-cache: every step runs again. */
  noCache: boolean;
  /** SOURCE_DATE_EPOCH: timestamps of every file written into the image. */
  epoch?: number;
  /** --sbom=true on a build whose stage links natively: the build commands record their links. */
  observeLinks?: true;
}
