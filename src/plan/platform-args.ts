// The platform args the Dockerfile frontend defines (BUILDPLATFORM, TARGETARCH, …), as env
// for build commands: the same names and values, so a manifest's commands read like a
// Dockerfile's RUN lines.
import { formatPlatform, type Platform } from "../platform.js";

/** Every platform arg name, in the order `--call outline` lists them. */
export const PLATFORM_ARG_NAMES = [
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDARCH",
  "BUILDVARIANT",
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETARCH",
  "TARGETVARIANT",
] as const;

export type PlatformArgName = (typeof PLATFORM_ARG_NAMES)[number];

/** The args for one build (build platform = the worker's, target = the platform being built). Pure. */
export function platformArgs(build: Platform, target: Platform): Array<[PlatformArgName, string]> {
  return [
    ["BUILDPLATFORM", formatPlatform(build)],
    ["BUILDOS", build.os],
    ["BUILDARCH", build.architecture],
    ["BUILDVARIANT", build.variant ?? ""],
    ["TARGETPLATFORM", formatPlatform(target)],
    ["TARGETOS", target.os],
    ["TARGETARCH", target.architecture],
    ["TARGETVARIANT", target.variant ?? ""],
  ];
}
