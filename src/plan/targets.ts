import type { Diagnostic } from "../manifest/errors.js";
import { ManifestError } from "../manifest/errors.js";
import type {
  Artifact,
  Essentials,
  ImageSpec,
  ManifestDocument,
  Target,
  TargetDocument,
} from "../manifest/types.js";
import { withImageDefaults } from "./image-defaults.js";
import { mergePairs } from "./pairs.js";

const NO_ESSENTIALS: Essentials = { nonroot: false, caCertificates: false, tzdata: [], tmp: false };

/**
 * The images the manifest can produce, first the top level's (when it is one): each target
 * takes what it leaves out from the top level (its entrypoint and cmd excepted: its own
 * artifacts decide those), a preset's program when nothing names artifacts, then the image
 * defaults.
 */
export function resolveTargets(doc: ManifestDocument): Target[] {
  const { preset, name } = doc;
  const presetArtifact: Artifact | undefined =
    preset && name
      ? { path: name.value, dest: `/${name.value}`, allowDlopen: false, span: doc.top.span }
      : undefined;
  const problems: Diagnostic[] = [];
  const resolve = (t: TargetDocument, prefix: string, inherit?: Target): Target => {
    const artifacts = t.artifacts ?? inherit?.artifacts ?? (presetArtifact ? [presetArtifact] : []);
    const data = t.data ?? inherit?.data ?? [];
    const essentials = t.essentials ?? inherit?.essentials ?? NO_ESSENTIALS;
    // parseManifest checked the destinations the manifest writes; the preset's program is new here.
    if (presetArtifact && artifacts.includes(presetArtifact))
      for (const d of data.filter((f) => f.dest === presetArtifact.dest))
        problems.push({
          span: d.span,
          message: `${prefix}artifacts: ${d.dest} is already the destination of line ${presetArtifact.span.line}`,
        });
    const image = withImageDefaults(overlayImage(t, inherit?.image), artifacts, essentials);
    return {
      artifacts,
      data,
      essentials,
      image,
      span: t.span,
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
    };
  };
  const top = resolve(doc.top, "");
  const targets = [
    ...(doc.topIsTarget ? [top] : []),
    ...doc.targets.map((t) => resolve(t, `targets.${t.name}.`, top)),
  ];
  if (problems.length > 0) throw new ManifestError(doc.filename, problems);
  return targets;
}

/** The image settings a level writes over what it inherits (never the inherited entrypoint or cmd). */
function overlayImage(t: TargetDocument, inherit: ImageSpec | undefined): ImageSpec {
  const { entrypoint: _e, cmd: _c, ...base } = inherit ?? { env: [], labels: [], ports: [], volumes: [] };
  const own = t.image;
  return {
    ...base,
    ...(own.entrypoint !== undefined ? { entrypoint: own.entrypoint } : {}),
    ...(own.cmd !== undefined ? { cmd: own.cmd } : {}),
    env: own.env ? mergePairs(base.env, own.env) : [...base.env],
    labels: own.labels ? mergePairs(base.labels, own.labels) : [...base.labels],
    ...(own.user !== undefined ? { user: own.user } : {}),
    ...(own.workdir !== undefined ? { workdir: own.workdir } : {}),
    ports: own.ports ?? [...base.ports],
    volumes: own.volumes ?? [...base.volumes],
    ...(own.stopSignal !== undefined ? { stopSignal: own.stopSignal } : {}),
  };
}
