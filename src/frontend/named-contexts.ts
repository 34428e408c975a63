// Named contexts (`--build-context NAME=...`, frontend option `context:NAME`) that stand in
// for an image the manifest names, as a Dockerfile's FROM NAME is replaced (dockerui's
// NamedContext: the name in its familiar form, ":latest" trimmed). Pure.
import type { NamedContext } from "../gateway/build-config.js";
import { Code } from "../gateway/errors.js";
import { LocatedError } from "../gateway/located.js";
import { familiarName } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";

/** The named context for an image name, looked up by familiar name. */
export function namedContextFor(
  contexts: ReadonlyMap<string, NamedContext>,
  image: string,
): { name: string; context: NamedContext } | undefined {
  const want = familiarName(image);
  if (want === undefined) return undefined;
  for (const [name, context] of contexts) if (familiarName(name) === want) return { name, context };
  return undefined;
}

/**
 * The manifest with its build image replaced by the named context of the same name, when
 * there is one. Only an image can stand in for the build image: the build runs in it and
 * takes its config (PATH, env) from it.
 */
export function withNamedBuildImage(
  manifest: Manifest,
  contexts: ReadonlyMap<string, NamedContext>,
): Manifest {
  const image = manifest.build.image;
  const found = namedContextFor(contexts, image.value);
  if (!found) return manifest;
  if (found.context.kind !== "docker-image") {
    throw new LocatedError(
      `build.image: the named context ${found.name} is a ${found.context.kind} source; only docker-image://REF can replace the build image`,
      Code.InvalidArgument,
      [image.span],
    );
  }
  return { ...manifest, build: { ...manifest.build, image: { ...image, value: found.context.ref } } };
}
