import { createHash } from "node:crypto";

/** Op digest as BuildKit computes it: sha256 over the exact bytes of the def element. */
export function opDigest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
