// The bench's anchor: the official Dockerfile frontend (BuildKit v0.32.2's dockerfile-frontend,
// xz-compressed in SCRATCHKIT_BUILDKIT_DIR or ../shared/buildkit/) wrapped the way the
// docker/dockerfile image is, and loaded through `# syntax=` like scratchkit. An image given in
// SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND is used instead.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { benchImage, docker, madeImages, tempDir, writeFiles } from "./lib.js";

export const OFFICIAL_IMAGE = benchImage("dockerfile-frontend");
/** The caps label of docker/dockerfile:1 (see /work/shared/buildkit/README.md). */
const CAPS =
  "moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring";

/** Where the upstream binaries are: the env var, else ../shared/buildkit/ next to the repository. */
export function buildkitDir(): string | undefined {
  const fromEnv = process.env.SCRATCHKIT_BUILDKIT_DIR?.trim();
  if (fromEnv) return existsSync(join(fromEnv, "dockerfile-frontend.xz")) ? fromEnv : undefined;
  const fallback = resolve(process.cwd(), "..", "shared", "buildkit");
  return existsSync(join(fallback, "dockerfile-frontend.xz")) ? fallback : undefined;
}

export interface Official {
  image: string;
  /** Where it came from: the env var's image, or the binary it was built from. */
  origin: string;
}

let made: { value: Official | undefined } | undefined;

/** The image to compare with, built once; undefined (said loudly) when none is available. */
export function officialFrontend(): Official | undefined {
  made ??= { value: makeOfficial() };
  return made.value;
}

function makeOfficial(): Official | undefined {
  const given = process.env.SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND?.trim();
  if (given) return { image: given, origin: "SCRATCHKIT_BENCH_DOCKERFILE_FRONTEND" };
  const dir = buildkitDir();
  if (!dir) {
    process.stderr.write(
      "\n!!! bench: no official Dockerfile frontend: neither $SCRATCHKIT_BUILDKIT_DIR nor ../shared/buildkit/ holds dockerfile-frontend.xz; ratios against it are not measured !!!\n",
    );
    return undefined;
  }
  const ctx = tempDir("official");
  execFileSync("sh", [
    "-c",
    'xz -dc "$1" > "$2" && chmod 755 "$2"',
    "sh",
    join(dir, "dockerfile-frontend.xz"),
    join(ctx, "dockerfile-frontend"),
  ]);
  writeFiles(ctx, {
    Dockerfile: `FROM scratch
COPY dockerfile-frontend /bin/dockerfile-frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="${CAPS}"
ENTRYPOINT ["/bin/dockerfile-frontend"]
`,
  });
  docker(["buildx", "build", "-q", "-t", OFFICIAL_IMAGE, ctx]);
  madeImages.add(OFFICIAL_IMAGE);
  execFileSync("rm", ["-rf", ctx]);
  return { image: OFFICIAL_IMAGE, origin: join(dir, "dockerfile-frontend.xz") };
}
