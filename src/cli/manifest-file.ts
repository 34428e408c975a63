import { readFileSync } from "node:fs";
import { decodeManifest } from "../manifest/decode.js";
import { ManifestError } from "../manifest/index.js";
import type { Manifest } from "../manifest/types.js";
import { loadManifest } from "../plan/manifest.js";
import type { Out } from "./command.js";

/** The parsed manifest, or undefined after printing its file:line:col errors. */
export function readManifest(file: string, out: Out): Manifest | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    out.stderr(`scratchkit: cannot read ${file}${code ? ` (${code})` : ""}`);
    return undefined;
  }
  try {
    // The frontend's decoding: invalid UTF-8 is an error with its offset, never replaced.
    return loadManifest(decodeManifest(bytes, file), file);
  } catch (err) {
    if (err instanceof ManifestError) {
      out.stderr(err.message);
      return undefined;
    }
    throw err;
  }
}
