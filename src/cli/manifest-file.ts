import { readFileSync } from "node:fs";
import { ManifestError, parseManifest } from "../manifest/index.js";
import type { Manifest } from "../manifest/types.js";
import type { Out } from "./command.js";

/** The parsed manifest, or undefined after printing its file:line:col errors. */
export function readManifest(file: string, out: Out): Manifest | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    out.stderr(`scratchkit: cannot read ${file}${code ? ` (${code})` : ""}`);
    return undefined;
  }
  try {
    return parseManifest(text, file);
  } catch (err) {
    if (err instanceof ManifestError) {
      out.stderr(err.message);
      return undefined;
    }
    throw err;
  }
}
