// LLB builder modelled on BuildKit's Go client/llb: immutable states, chained
// ops, marshalled once into a deterministic pb.Definition.

export { Caps } from "./caps.js";
export { definitionState } from "./definition-state.js";
export { opDigest } from "./digest.js";
export type { MountSpec, RunOptions } from "./exec.js";
export type { Chown, CopyOptions, MkdirOptions, MkfileOptions } from "./file.js";
export { copy, FileAction, mkdir, mkfile } from "./file.js";
export { cleanRelative, type GitURL, parseGitURL } from "./git-url.js";
export type { Marshalled, MarshalOptions } from "./marshal.js";
export { marshal } from "./marshal.js";
export { merge } from "./merge.js";
export { hostPlatform, normalizePlatform } from "./platform.js";
export { familiarName, type ImageReference, normalizeImageRef, parseImageRef } from "./reference.js";
export type { GitOptions, HTTPOptions, ImageOptions, LocalOptions } from "./source.js";
export { git, http, image, local, ociLayout } from "./source.js";
export { ExecState, State, scratch } from "./state.js";
export type { OpOptions, Platform, SourceLocation, SourceMap, SourcePosition } from "./types.js";
