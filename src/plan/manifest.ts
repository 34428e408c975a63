import { parseManifest } from "../manifest/parse.js";
import type { Manifest, ManifestDocument } from "../manifest/types.js";
import { expandPreset } from "./preset.js";
import { resolveTargets } from "./targets.js";

/**
 * The manifest the build follows: the document parseManifest validated, with its preset
 * expanded and the image defaults applied. Throws ManifestError (with lines) when the preset
 * cannot build there.
 */
export function resolveManifest(doc: ManifestDocument): Manifest {
  const build = expandPreset(doc);
  const targets = resolveTargets(doc);
  return {
    filename: doc.filename,
    source: doc.source,
    version: 1,
    name: doc.name?.value ?? targets[0]?.name ?? "app",
    ...(doc.preset ? { preset: doc.preset.value } : {}),
    args: doc.args,
    build,
    targets,
  };
}

/** Parses, validates and resolves a manifest's text: what every reader of a manifest calls. */
export function loadManifest(source: string, filename: string): Manifest {
  return resolveManifest(parseManifest(source, filename));
}
