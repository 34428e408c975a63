/**
 * The default build image: a pinned Alpine release, so builds are musl-based and
 * reproducible until the user (or this constant) moves on.
 */
export const DEFAULT_BUILD_IMAGE = "alpine:3.22";

/** Where the build context is mounted and build commands run, unless the manifest says otherwise. */
export const DEFAULT_WORKDIR = "/src";

/** The fresh, empty directory build commands write artifacts into. */
export const OUTPUT_DIR = "/out";

/** The manifest file name when the build does not name one. */
export const DEFAULT_FILENAME = "scratchkit.yaml";
