// The SPDX 2.3 JSON document for one platform's image, made from the gathered evidence and
// the image's files. Pure and deterministic: the same inputs give the same bytes (the creation
// time is SOURCE_DATE_EPOCH when given, the namespace a digest of the content).
import { createHash } from "node:crypto";
import type { InstalledPackage, SbomEvidence, SourceModule } from "./evidence.js";

/** The in-toto predicate type of an SPDX document (BuildKit skips its own scanner on seeing it). */
export const SPDX_PREDICATE = "https://spdx.dev/Document";

/** A file the image ships, with its SHA-256 (hex). */
export interface ImageFile {
  path: string;
  sha256: string;
}

export interface DocumentInput {
  /** The image's name for the document (the first tag, or the manifest's target). */
  name: string;
  platform: string;
  files: ImageFile[];
  evidence: SbomEvidence;
  /** Unix seconds; absent: the epoch's absence makes `created` the Unix epoch, never the wall clock. */
  epoch?: number;
}

interface Relationship {
  spdxElementId: string;
  relationshipType: string;
  relatedSpdxElement: string;
  comment?: string;
}

/** The SPDX document as a JSON-ready object. */
export function spdxDocument(input: DocumentInput): Record<string, unknown> {
  const { evidence } = input;
  const packages: Record<string, unknown>[] = [];
  const relationships: Relationship[] = [];
  const ids = new SpdxIds();
  /** The package's ID; it is listed the first time its key (what it is) comes. */
  const addPackage = (key: string, base: string, pkg: Record<string, unknown>): string => {
    const { id, fresh } = ids.of(key, base);
    if (fresh) packages.push({ SPDXID: id, ...pkg });
    return id;
  };
  const addInstalled = (p: InstalledPackage) =>
    addPackage(
      `installed\0${p.manager}\0${p.name}\0${p.arch}`,
      `SPDXRef-Package-${p.manager}-${idPart(p.name)}-${idPart(p.arch)}`,
      installedPackage(p),
    );
  const addModule = (m: SourceModule) =>
    addPackage(
      `module\0${m.ecosystem}\0${m.name}\0${m.version}`,
      `SPDXRef-Package-${m.ecosystem}-${idPart(m.name)}-${idPart(m.version)}`,
      sourceModule(m),
    );

  const imageId = addPackage("image", "SPDXRef-Image", {
    name: input.name,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "CONTAINER",
    comment: `FROM scratch image for ${input.platform}, built by scratchkit`,
  });
  relationships.push({
    spdxElementId: "SPDXRef-DOCUMENT",
    relationshipType: "DESCRIBES",
    relatedSpdxElement: imageId,
  });

  const { digest, source } = evidence.buildImage;
  // A purl names a registry repository: only a registry image has one.
  const purl =
    digest && !source ? { externalRefs: [purlRef(ociPurl(evidence.buildImage.name, digest))] } : {};
  const buildImageId = addPackage("build-image", "SPDXRef-BuildImage", {
    name: evidence.buildImage.name,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "CONTAINER",
    ...(digest ? { checksums: [checksum(digest)], ...purl } : {}),
    comment: source ? `the build stage's root filesystem: ${source}` : "the build stage's image",
  });
  relationships.push({
    spdxElementId: buildImageId,
    relationshipType: "BUILD_TOOL_OF",
    relatedSpdxElement: imageId,
  });

  for (const p of evidence.installed) {
    const id = addInstalled(p);
    relationships.push({
      spdxElementId: id,
      relationshipType: "CONTAINED_BY",
      relatedSpdxElement: buildImageId,
    });
  }

  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fileIds = new Map<string, string>();
  const spdxFiles = files.map((f) => {
    const { id } = ids.of(`file\0${f.path}`, `SPDXRef-File-${idPart(f.path)}`);
    fileIds.set(f.path, id);
    relationships.push({ spdxElementId: imageId, relationshipType: "CONTAINS", relatedSpdxElement: id });
    return { SPDXID: id, fileName: f.path, checksums: [{ algorithm: "SHA256", checksumValue: f.sha256 }] };
  });

  for (const link of [...evidence.links].sort((a, b) => (a.artifact < b.artifact ? -1 : 1))) {
    const fileId = fileIds.get(link.artifact);
    if (!fileId) continue;
    const unobserved = link.evidence === "unobserved";
    const comment = unobserved
      ? "possible contributor: the link could not be observed (custom build command); every installed -dev/-static package is listed"
      : `observed: ${link.evidence}`;
    for (const p of link.packages) {
      const id = addInstalled(p);
      relationships.push({
        spdxElementId: id,
        relationshipType: unobserved ? "OTHER" : "STATIC_LINK",
        relatedSpdxElement: fileId,
        comment: unobserved ? `STATIC_LINK? ${comment}` : comment,
      });
    }
    for (const m of link.modules) {
      const id = addModule(m);
      relationships.push({
        spdxElementId: id,
        relationshipType: "STATIC_LINK",
        relatedSpdxElement: fileId,
        comment,
      });
    }
  }

  const body = { packages, files: spdxFiles, relationships };
  const namespaceDigest = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  const created = new Date((input.epoch ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${input.name} (${input.platform})`,
    documentNamespace: `https://scratchkit.invalid/spdx/${namespaceDigest}`,
    creationInfo: { created, creators: ["Tool: scratchkit"] },
    ...body,
  };
}

/**
 * SPDX IDs by what they name. Different names can spell the same ID ("/a/b" and "/a-b", Go
 * modules github.com/a/b-c and github.com/a-b/c): a later one gets a counter, so no element
 * is dropped or merged into another. Inputs come in a fixed order, so the IDs are stable.
 */
class SpdxIds {
  private readonly byKey = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** The ID of `key` (`fresh` the first time it is asked for), `base` when still free. */
  of(key: string, base: string): { id: string; fresh: boolean } {
    const known = this.byKey.get(key);
    if (known) return { id: known, fresh: false };
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    this.byKey.set(key, id);
    return { id, fresh: true };
  }
}

function installedPackage(p: InstalledPackage): Record<string, unknown> {
  return {
    name: p.name,
    versionInfo: p.version,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    supplier: "NOASSERTION",
    externalRefs: [purlRef(p.purl)],
  };
}

function sourceModule(m: SourceModule): Record<string, unknown> {
  return {
    name: m.name,
    versionInfo: m.version,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    externalRefs: [purlRef(m.purl)],
  };
}

function purlRef(locator: string) {
  return { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: locator };
}

/** `sha256:abc…` → an SPDX checksum. */
function checksum(digest: string) {
  const [alg = "", value = ""] = digest.split(":");
  return { algorithm: alg.toUpperCase(), checksumValue: value };
}

/** pkg:oci/NAME@DIGEST?repository_url=… (purl-spec's oci type names the image by digest). */
function ociPurl(name: string, digest: string): string {
  const repo = name.replace(/[:@].*$/, "");
  const last = repo.split("/").pop() ?? repo;
  return `pkg:oci/${encodeURIComponent(last)}@${encodeURIComponent(digest)}?repository_url=${encodeURIComponent(repo)}`;
}

/** SPDX IDs allow letters, digits, `.` and `-` only. */
function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]/g, "-").replace(/^-+/, "");
}
