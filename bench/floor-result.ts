// What the same-image floor returns: hello's image, as scratchkit would return it, worked out
// once by the bench (not by the floor at build time). The floor then pays only what any Node
// gateway frontend pays to produce this image (start, Ping, one Solve, Return, the export), so
// scratchkit's time above it is its own work: reading the manifest, resolving the build image
// and the gate.
import { manifestDefinition } from "../src/graph/definition.js";
import { imageConfig } from "../src/image/config.js";
import { normalizeImageRef } from "../src/llb/index.js";
import { loadManifest } from "../src/plan/manifest.js";
import { formatPlatform, parsePlatform } from "../src/platform.js";
import { helloManifest } from "./fixtures.js";
import { docker, TOOLCHAIN } from "./lib.js";

/** The floor image's file with the recorded result (read by bench/floor-frontend.ts). */
export const FLOOR_RESULT_FILE = "floor-result.json";

/** The recorded result: the image's definition (protobuf, base64) and the config the exporter gets. */
export interface FloorResult {
  platform: string;
  definition: string;
  config: unknown;
  /** For the reads floor: the build image it resolves (as the manifest names it) before returning. */
  reads?: { image: string };
}

/**
 * hello's image definition and config with the build image as the frontend resolves it (its
 * digest pinned, its env), on the engine's platform, with no session (BuildKit then reads the
 * local context from the build's own session).
 */
export function helloFloorResult(): FloorResult {
  const manifest = loadManifest(helloManifest(), "scratchkit.yaml");
  const [inspected] = JSON.parse(docker(["image", "inspect", TOOLCHAIN])) as Array<{
    Id: string;
    Config?: { Env?: string[] };
  }>;
  if (!inspected) throw new Error(`docker image inspect ${TOOLCHAIN}: no image`);
  const platform = parsePlatform(docker(["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"]).trim());
  const { plan, bytes } = manifestDefinition(
    manifest,
    { platform, baseEnv: inspected.Config?.Env ?? [], baseDigest: inspected.Id },
    { dockerignore: "", filename: "scratchkit.yaml" },
  );
  const base = { name: normalizeImageRef(manifest.build.image.value), digest: inspected.Id };
  return {
    platform: formatPlatform(platform),
    definition: Buffer.from(bytes).toString("base64"),
    config: imageConfig(manifest, plan, { labels: {}, base }),
  };
}
