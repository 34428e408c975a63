// Finding the named context (`--build-context NAME=...`, frontend option `context:NAME`) that
// stands in for a name the manifest writes, as dockerui's NamedContext finds the one for a
// Dockerfile's FROM NAME or COPY --from=NAME: the name in its familiar form (":latest"
// trimmed), and first its per-platform key `NAME::os/arch`. Pure.
import type { NamedContext } from "../gateway/build-config.js";
import { formatPlatform } from "../gateway/opts.js";
import { familiarName, type Platform } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";

/** A named context and the key it was given under (its name in progress lines and errors). */
export interface FoundContext {
  name: string;
  context: NamedContext;
}

/** The named context for an image name, looked up by familiar name. */
export function namedContextFor(
  contexts: ReadonlyMap<string, NamedContext>,
  image: string,
): FoundContext | undefined {
  const want = familiarName(image);
  if (want === undefined) return undefined;
  for (const [name, context] of contexts) if (familiarName(name) === want) return { name, context };
  return undefined;
}

/**
 * The named context for `name` on `platform`: buildx passes a multi-platform bake target per
 * platform, as `context:NAME::os/arch`, which dockerui looks up before the plain name.
 */
export function lookupNamedContext(
  contexts: ReadonlyMap<string, NamedContext>,
  name: string,
  platform: Platform,
): FoundContext | undefined {
  const key = `${familiarName(name) ?? name}::${formatPlatform(platform)}`;
  const context = contexts.get(key);
  return context ? { name: key, context } : namedContextFor(contexts, name);
}

/** The manifest with its build image replaced by a registry image (a docker-image:// named context's). */
export function withBuildImage(manifest: Manifest, ref: string): Manifest {
  const image = manifest.build.image;
  return { ...manifest, build: { ...manifest.build, image: { ...image, value: ref } } };
}
