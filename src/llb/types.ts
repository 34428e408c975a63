// Public option types shared by every LLB builder module.

export type { ImageResolveMode, NetworkMode, Platform } from "../platform.js";

/** One source file (e.g. the build manifest) that op locations point into. */
export interface SourceMap {
  filename: string;
  data: Uint8Array;
  language?: string;
}

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 0-based column; omitted (0) means "whole line". */
  character?: number;
}

export interface SourceLocation {
  source: SourceMap;
  ranges: Array<{ start: SourcePosition; end: SourcePosition }>;
}

/** Per-op options carried into OpMetadata / Definition.Source. */
export interface OpOptions {
  /** Progress label (description "llb.customname"). */
  name?: string;
  /** Where in a source file this op comes from, so BuildKit can print a snippet on failure. */
  location?: SourceLocation;
  ignoreCache?: boolean;
  progressGroup?: { id: string; name: string };
}
