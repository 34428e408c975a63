// What the build stage starts from, as a Dockerfile's FROM NAME: the registry image build.image
// names, or the named context of that name (dockerfile2llb: a named context replaces the base
// of a stage, with the image config it carries, else an empty image whose only env is PATH).
import type { BuildConfig } from "../gateway/build-config.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { normalizeImageRef, type Platform, type State } from "../llb/index.js";
import type { Manifest } from "../manifest/types.js";
import type { SbomEvidence } from "../sbom/evidence.js";
import { type BaseConfig, configEnv, resolveBase, resolveLayoutBase } from "./base-image.js";
import { type FoundContext, lookupNamedContext, withBuildImage } from "./named-contexts.js";
import { type NamedContextOptions, type NamedContextUse, namedState, ociLayoutRef } from "./named-state.js";

export type BuildBase = ImageBase | ContextBase;

/** A registry image: the graph makes its source from the plan's (pinned) build image. */
export interface ImageBase extends BaseConfig {
  kind: "image";
}

/** A named context other than a docker-image:// one: its own state is the build root. */
export interface ContextBase {
  kind: "context";
  found: FoundContext;
  /** The context's filesystem, on the build stage's platform. */
  state: State;
  /** The context's image config env (an OCI layout, an input with an image config); [] for a plain filesystem. */
  env: string[];
  /** An OCI layout image's manifest digest, as resolved; nothing else has one. */
  digest?: string;
}

/**
 * The build image for one stage platform, and the manifest as the build sees it (build.image
 * replaced by a docker-image:// named context's reference, which is then resolved as usual).
 * Errors about the named context are located at build.image.
 */
export async function resolveBuildBase(
  client: FrontendClient,
  manifest: Manifest,
  config: Pick<BuildConfig, "namedContexts" | "imageResolveMode">,
  platform: Platform,
  named: Omit<NamedContextOptions, "platform">,
): Promise<{ manifest: Manifest; base: BuildBase }> {
  const image = manifest.build.image;
  const found = lookupNamedContext(config.namedContexts, image.value, platform);
  if (!found || found.context.kind === "docker-image") {
    const m = found ? withBuildImage(manifest, found.context.ref) : manifest;
    const ref = m.build.image.value;
    const resolved = await resolveBase(client, ref, platform, config.imageResolveMode, image.span);
    return { manifest: m, base: { kind: "image", ...resolved } };
  }
  const use: NamedContextUse = { span: image.span, field: "build.image" };
  const [state, imageConfig] = await Promise.all([
    namedState(client, found, use, { ...named, platform }),
    contextImageConfig(client, found, use, platform),
  ]);
  return {
    manifest,
    base: {
      kind: "context",
      found,
      state: state.withPlatform(platform),
      env: imageConfig?.env ?? [],
      ...(imageConfig?.digest ? { digest: imageConfig.digest } : {}),
    },
  };
}

/** The image config a named context carries: an OCI layout's (resolved), an input's (from its metadata). */
async function contextImageConfig(
  client: FrontendClient,
  found: FoundContext,
  use: NamedContextUse,
  platform: Platform,
): Promise<Partial<BaseConfig> | undefined> {
  const c = found.context;
  if (c.kind === "input") return c.imageConfig ? { env: configEnv(c.imageConfig) } : undefined;
  if (c.kind !== "oci-layout") return undefined;
  const layout = ociLayoutRef(found, use);
  return resolveLayoutBase(
    client,
    { ...layout, contextName: found.name, source: `oci-layout://${c.ref}` },
    platform,
    use.span,
  );
}

/** How the named context was given, as buildx passes it (local:NAME, input:KEY, oci-layout://…, a URL). */
const SCHEME: Partial<Record<FoundContext["context"]["kind"], string>> = {
  local: "local:",
  input: "input:",
  "oci-layout": "oci-layout://",
};

/** What a named context base is, in words (the SBOM's comment on its build-image entry). */
function describe(base: ContextBase): string {
  const c = base.found.context;
  return `the named context ${base.found.name} (${SCHEME[c.kind] ?? ""}${c.ref}), not a registry image`;
}

/**
 * The OCI base labels (org.opencontainers.image.base.*): a registry image by name and digest;
 * an OCI layout's image by digest alone (it has no registry name); a plain filesystem or an
 * input, nothing (there is no image to name).
 */
export function baseLabels(
  manifest: Manifest,
  base: BuildBase,
): { name?: string; digest?: string } | undefined {
  if (base.kind === "image")
    return { name: normalizeImageRef(manifest.build.image.value), digest: base.digest };
  return base.digest ? { digest: base.digest } : undefined;
}

/** The SBOM's build-image entry: a registry image by name and digest; a named context named for what it is. */
export function sbomBuildImage(manifest: Manifest, base: BuildBase): SbomEvidence["buildImage"] {
  if (base.kind === "image")
    return {
      name: normalizeImageRef(manifest.build.image.value),
      ...(base.digest ? { digest: base.digest } : {}),
    };
  return {
    name: base.found.name,
    ...(base.digest ? { digest: base.digest } : {}),
    source: describe(base),
  };
}
