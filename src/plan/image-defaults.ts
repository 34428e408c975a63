import type { Artifact, Essentials, ImageSpec } from "../manifest/types.js";
import { mergePairs } from "./pairs.js";

/** distroless's nonroot user and group. */
export const NONROOT_USER = "65532:65532";
/** Where essentials' ca-certificates writes the CA bundle. */
export const CA_BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt";

/**
 * What an image gets without asking: the only artifact as entrypoint (when neither
 * entrypoint nor cmd is set), the nonroot user when essentials ask for it (distroless's
 * convention) and SSL_CERT_FILE pointing at the CA bundle essentials ship.
 */
export function withImageDefaults(
  image: ImageSpec,
  artifacts: Artifact[],
  essentials: Essentials,
): ImageSpec {
  const out = { ...image };
  const only = artifacts.length === 1 ? artifacts[0] : undefined;
  if (out.entrypoint === undefined && out.cmd === undefined && only) out.entrypoint = [only.dest];
  if (essentials.nonroot && out.user === undefined) out.user = NONROOT_USER;
  if (essentials.caCertificates && !out.env.some(([k]) => k === "SSL_CERT_FILE"))
    out.env = mergePairs(out.env, [["SSL_CERT_FILE", CA_BUNDLE_PATH]]);
  return out;
}
