// Observing what a build's links pull in, without changing what they write: a directory
// mounted into the build commands holds an `ld` that gcc's collect2 finds first through
// COMPILER_PATH; it runs the real ld with -Map into the same directory. The map files are
// read back after the build (src/frontend/sbom-evidence.ts); nothing of it ships. Only for `--sbom=true`, and only
// where the stage's own `ld` is the right linker (not cross builds).
import { mkdir, type State, scratch } from "../llb/index.js";

/** Where the observer is mounted in the build commands. */
export const OBSERVER_DIR = "/.scratchkit-sbom";
/** Where the map files land, inside the observer's directory. */
export const MAPS_DIR = "/maps";

// $$: one map per link; `ld` from PATH is the real one (this directory is only on COMPILER_PATH).
const WRAPPER = `#!/bin/sh
exec ld -Map="${OBSERVER_DIR}${MAPS_DIR}/$$.map" "$@"
`;

/** The observer directory's initial state: the wrapper and an empty maps directory. */
export function observerState(): State {
  return scratch().file(mkdir("/bin", 0o755).mkfile("/bin/ld", 0o755, WRAPPER).mkdir(MAPS_DIR, 0o755), {
    name: "[sbom] link observer",
  });
}

/** The env entry that makes gcc find the observer's ld. */
export const OBSERVER_ENV = `COMPILER_PATH=${OBSERVER_DIR}/bin`;
