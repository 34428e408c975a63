export { decodeManifest } from "./decode.js";
export { DEFAULT_BUILD_IMAGE, DEFAULT_FILENAME, DEFAULT_WORKDIR, OUTPUT_DIR } from "./defaults.js";
export { type Diagnostic, formatDiagnostic, ManifestError } from "./errors.js";
export { parseManifest } from "./parse.js";
export type * from "./types.js";
