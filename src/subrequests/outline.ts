// frontend.outline (`--call outline`): what a build of one target takes as input — build
// args, secrets, cache mounts (subrequests/outline). SSH is never used, so it is never listed.
import type { ManifestLocator } from "../lint/locate.js";
import { familiarName } from "../llb/index.js";
import type { Manifest, Target } from "../manifest/types.js";
import { PLATFORM_ARG_NAMES, platformArgs } from "../plan/platform-args.js";
import type { Platform } from "../platform.js";
import { marshalIndent, type SubrequestAnswer } from "./result.js";
import { tabulate } from "./tabwriter.js";
import { type LocationJson, locationOf, RESULT_METADATA, type RequestDefinition } from "./types.js";

export const OUTLINE_REQUEST: RequestDefinition = {
  name: "frontend.outline",
  // 1.0.0 plus `contexts`. buildx prints an outline newer than the one it knows (1.0.0) from
  // result.txt as sent, so its plain output shows the named contexts, which its own printer
  // has no table for.
  version: "1.1.0",
  type: "rpc",
  description: "List all parameters current build target supports",
  opts: [{ name: "target", description: "Target build stage" }],
  inputs: null,
  metadata: RESULT_METADATA,
  refs: null,
};

export interface ArgJson {
  name: string;
  description?: string;
  value?: string;
  location?: LocationJson;
}

export interface SecretJson {
  name: string;
  required?: boolean;
  location?: LocationJson;
}

export interface CacheJson {
  ID: string;
  location?: LocationJson;
}

/** A name `--build-context NAME=...` gives: the build image (familiar form), or a data source. */
export interface NamedContextJson {
  name: string;
  /** What reads it: "build.image" (replaced by it) or "data" (`data[].from: NAME`). */
  usedBy: "build.image" | "data";
  location?: LocationJson;
}

export interface OutlineJson {
  name?: string;
  description?: string;
  args?: ArgJson[];
  secrets?: SecretJson[];
  cache?: CacheJson[];
  contexts?: NamedContextJson[];
  sources?: string[];
}

/** The build's platforms: the platform args' values. */
export interface OutlinePlatforms {
  build: Platform;
  targets: Platform[];
}

/**
 * The platform args every build command sees, with this build's values (a platform list
 * joins each target arg's values with commas, as one build per platform sets them).
 */
function platformArgJson(p: OutlinePlatforms): ArgJson[] {
  const perTarget = p.targets.map((t) => new Map(platformArgs(p.build, t)));
  return PLATFORM_ARG_NAMES.map((name) => {
    const values = [...new Set(perTarget.map((m) => m.get(name) ?? ""))].filter((v) => v !== "");
    const out: ArgJson = { name, description: "platform arg, set by the build" };
    if (values.length > 0) out.value = values.join(",");
    return out;
  });
}

/** Everything the build steps of `target` read. All targets share one build, so only name and description differ. */
export function outline(
  manifest: Manifest,
  target: Target,
  where: ManifestLocator,
  platforms?: OutlinePlatforms,
): OutlineJson {
  const args = manifest.args.map((a) => {
    const out: ArgJson = { name: a.name };
    const description = where.argComment(a.name);
    if (description) out.description = description;
    if (a.default !== undefined && a.default !== "") out.value = a.default;
    out.location = locationOf([a.span]);
    return out;
  });
  if (platforms) args.push(...platformArgJson(platforms));
  // A secret or cache may be mounted by several steps: listed once, located at its first use.
  const secrets = new Map<string, SecretJson>();
  const caches = new Map<string, CacheJson>();
  for (const step of manifest.build.run) {
    for (const s of step.secrets) {
      const seen = secrets.get(s.id);
      if (seen) {
        if (s.required) seen.required = true;
        continue;
      }
      secrets.set(s.id, {
        name: s.id,
        ...(s.required ? { required: true } : {}),
        location: locationOf([step.command.span]),
      });
    }
    for (const c of step.cache) {
      const id = c.id ?? c.path;
      if (!caches.has(id)) caches.set(id, { ID: id, location: locationOf([step.command.span]) });
    }
  }
  const out: OutlineJson = { name: target.name };
  if (target.description) out.description = target.description;
  if (args.length > 0) out.args = args;
  if (secrets.size > 0) out.secrets = [...secrets.values()];
  if (caches.size > 0) out.cache = [...caches.values()];
  const contexts: NamedContextJson[] = [];
  const buildImage = familiarName(manifest.build.image.value);
  if (buildImage)
    contexts.push({
      name: buildImage,
      usedBy: "build.image",
      location: locationOf([manifest.build.image.span]),
    });
  for (const d of target.data) {
    if (d.named && !contexts.some((c) => c.usedBy === "data" && c.name === d.named?.value))
      contexts.push({ name: d.named.value, usedBy: "data", location: locationOf([d.named.span]) });
  }
  if (contexts.length > 0) out.contexts = contexts;
  out.sources = [Buffer.from(manifest.source, "utf8").toString("base64")];
  return out;
}

/** outline.PrintOutline, plus a table of the named contexts. */
export function printOutline(o: OutlineJson): string {
  let text = "";
  if (o.name || o.description) {
    const rows = [["TARGET:", o.name || "(default)"]];
    if (o.description) rows.push(["DESCRIPTION:", o.description]);
    text += `${tabulate(rows, 1)}\n`;
  }
  if (o.args?.length) {
    text += `${tabulate([["BUILD ARG", "VALUE", "DESCRIPTION"], ...o.args.map((a) => [a.name, a.value ?? "", a.description ?? ""])], 3)}\n`;
  }
  if (o.secrets?.length) {
    text += `${tabulate([["SECRET", "REQUIRED"], ...o.secrets.map((s) => [s.name, s.required ? "true" : ""])], 3)}\n`;
  }
  if (o.contexts?.length) {
    text += `${tabulate([["NAMED CONTEXT", "USED BY"], ...o.contexts.map((c) => [c.name, c.usedBy])], 3)}\n`;
  }
  return text;
}

export function outlineAnswer(
  manifest: Manifest,
  target: Target,
  where: ManifestLocator,
  platforms?: OutlinePlatforms,
): SubrequestAnswer {
  const o = outline(manifest, target, where, platforms);
  return { json: marshalIndent(o), text: printOutline(o), version: OUTLINE_REQUEST.version };
}
