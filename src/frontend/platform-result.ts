// The result the exporter reads, shaped as dockerui's Build/Finalize shapes the Dockerfile
// frontend's: one platform → `ref` + `containerimage.config`; several (or multi-platform=true)
// → `refs` keyed by platform id + `containerimage.config/<id>` each; `refs.platforms` always.
import type { Result } from "../gateway/client.js";
import { formatPlatform, normalizePlatform, type Platform } from "../platform.js";
import { SPDX_PREDICATE } from "../sbom/spdx.js";

/** One platform's finished image: its FROM scratch ref and its image config. */
export interface PlatformImage {
  platform: Platform;
  refId: string;
  config: unknown;
  /** --sbom=true: the SPDX document's ref and path. */
  sbom?: PlatformSbom;
}

/** Where one platform's SPDX document is: a file in a solved ref. */
export interface PlatformSbom {
  refId: string;
  path: string;
}

// BuildKit's name (solver/result): the reason marks the attestation as the SBOM.
const REASON_KEY = "reason";

// exptypes' metadata keys.
const CONFIG_KEY = "containerimage.config";
const PLATFORMS_KEY = "refs.platforms";
const EPOCH_KEY = "source.date.epoch";

/** The result for `images` (in the requested order). Pure. */
export function platformResult(images: PlatformImage[], multi: boolean, epoch?: number): Result {
  const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
  const metadata: Record<string, Uint8Array> = {};
  const refs: Record<string, { id: string }> = {};
  const listed: Array<{ ID: string; Platform: Record<string, string> }> = [];
  let single: { id: string } | undefined;
  const attestations: NonNullable<Result["attestations"]> = {};
  for (const img of images) {
    const p = normalizePlatform(img.platform);
    const id = formatPlatform(p);
    if (multi) {
      refs[id] = { id: img.refId };
      metadata[`${CONFIG_KEY}/${id}`] = enc(img.config);
    } else {
      single = { id: img.refId };
      metadata[CONFIG_KEY] = enc(img.config);
    }
    if (img.sbom) {
      attestations[id] = {
        attestation: [
          {
            kind: 0,
            metadata: { [REASON_KEY]: enc("sbom") },
            ref: { id: img.sbom.refId },
            path: img.sbom.path,
            inTotoPredicateType: SPDX_PREDICATE,
          },
        ],
      };
    }
    // ocispecs.Platform's JSON: variant only when set.
    listed.push({
      ID: id,
      Platform: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) },
    });
  }
  metadata[PLATFORMS_KEY] = enc({ Platforms: listed });
  // The exporter clamps layer timestamps to it, so two builds give the same image ID.
  if (epoch !== undefined) metadata[EPOCH_KEY] = enc(String(epoch));
  const attested = Object.keys(attestations).length > 0 ? { attestations } : {};
  return multi
    ? { refs: { refs }, metadata, ...attested }
    : { ref: single ?? { id: "" }, metadata, ...attested };
}
