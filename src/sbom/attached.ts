// Finds the SPDX documents BuildKit attached to an image: in an OCI image layout (a directory,
// or the tar `docker save` writes on the containerd store), each platform's attestation
// manifest (annotation vnd.docker.reference.type=attestation-manifest) holds in-toto
// statements as layers; the SBOM is the one whose predicate type is https://spdx.dev/Document.
import { formatPlatform } from "../platform.js";
import { SPDX_PREDICATE } from "./spdx.js";

/** Reads a blob by digest (`sha256:…`), or index.json for the layout's root. */
export type BlobReader = (digest: string) => Promise<Buffer>;

export interface AttachedSbom {
  /** `os/arch[/variant]` of the image the attestation is about. */
  platform: string;
  /** The SPDX document (the statement's predicate). */
  document: unknown;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Listing {
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

const REF_TYPE = "vnd.docker.reference.type";
const REF_DIGEST = "vnd.docker.reference.digest";
const PREDICATE_TYPE = "in-toto.io/predicate-type";

/** Every SPDX document attached to the images under the layout's index.json, in index order. */
export async function attachedSboms(read: BlobReader): Promise<AttachedSbom[]> {
  const root = parse(await read("index.json"), "index.json");
  return sbomsOfIndex(root, read, new Set());
}

async function sbomsOfIndex(index: Listing, read: BlobReader, seen: Set<string>): Promise<AttachedSbom[]> {
  const entries = index.manifests ?? [];
  const platformOf = new Map<string, string>();
  for (const m of entries) if (m.platform) platformOf.set(m.digest, formatPlatform(m.platform));
  const out: AttachedSbom[] = [];
  for (const m of entries) {
    if (seen.has(m.digest)) continue; // docker save lists the same index under several names
    seen.add(m.digest);
    if (m.annotations?.[REF_TYPE] === "attestation-manifest") {
      const subject = m.annotations[REF_DIGEST] ?? "";
      const manifest = parse(await read(m.digest), m.digest);
      for (const layer of manifest.layers ?? []) {
        if (layer.annotations?.[PREDICATE_TYPE] !== SPDX_PREDICATE) continue;
        const statement = parse(await read(layer.digest), layer.digest) as { predicate?: unknown };
        out.push({ platform: platformOf.get(subject) ?? "unknown", document: statement.predicate });
      }
    } else if (isIndex(m.mediaType)) {
      out.push(...(await sbomsOfIndex(parse(await read(m.digest), m.digest), read, seen)));
    }
  }
  return out;
}

function isIndex(mediaType: string | undefined): boolean {
  return (
    mediaType === "application/vnd.oci.image.index.v1+json" ||
    mediaType === "application/vnd.docker.distribution.manifest.list.v2+json"
  );
}

function parse(bytes: Buffer, what: string): Listing {
  try {
    return JSON.parse(bytes.toString("utf8")) as Listing;
  } catch {
    throw new Error(`${what} is not JSON: not an OCI image layout?`);
  }
}
