import { ManifestError } from "../manifest/errors.js";
import type {
  BuildSpec,
  CacheMount,
  Located,
  ManifestDocument,
  PackageManager,
  PresetName,
  RunStep,
} from "../manifest/types.js";
import { mergePairs, type Pairs } from "./pairs.js";
import { PRESETS } from "./presets.js";

/** A preset's recipe for one package manager and program. */
export interface PresetRecipe {
  packages: string[];
  env: Pairs;
  run: string[];
  cache: CacheMount[];
}

/** The recipe of preset `name` on `pm`, or the error message when the preset cannot run there. */
export function presetRecipe(name: PresetName, pm: PackageManager, program: string): PresetRecipe | string {
  const p = PRESETS[name];
  if (p.requires && p.requires.packageManager !== pm) return `preset ${name} ${p.requires.message}`;
  return { packages: p.packages[pm], env: p.env[pm], run: p.run(program, `/out/${program}`), cache: p.cache };
}

/**
 * The build section with the preset expanded: its packages first (the manifest's added after,
 * without repeats), its env under build.env, and its commands (with their caches, build.cache
 * and build.secrets) when the manifest writes no build.run. A preset's lines are the preset's.
 */
export function expandPreset(doc: ManifestDocument): BuildSpec {
  const { cache, secrets, ...b } = doc.build;
  const { preset, name } = doc;
  // parseManifest already refused a preset without a name.
  if (!preset || !name) return b;
  const recipe = presetRecipe(preset.value, b.packageManager.value, name.value);
  if (typeof recipe === "string")
    throw new ManifestError(doc.filename, [{ span: preset.span, message: `preset: ${recipe}` }]);
  const at = preset.span;
  const packages: Located<string>[] = recipe.packages.map((p) => ({ value: p, span: at }));
  const own = new Set(recipe.packages);
  // A cache the manifest declares at a preset cache's path replaces it (one mount per path).
  const userCachePaths = new Set(cache.map((c) => c.path));
  const run: RunStep[] =
    b.run.length > 0
      ? b.run
      : recipe.run.map((command) => ({
          command: { value: command, span: at },
          cache: [...recipe.cache.filter((c) => !userCachePaths.has(c.path)), ...cache],
          secrets,
        }));
  return {
    ...b,
    packages: [...packages, ...b.packages.filter((p) => !own.has(p.value))],
    env: mergePairs(recipe.env, b.env),
    run,
  };
}
