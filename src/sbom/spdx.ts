// The SPDX 2.3 JSON document for one platform's image, made from the gathered evidence and
// the image's files. Pure and deterministic: the same inputs give the same bytes (the creation
// time is SOURCE_DATE_EPOCH when given, the namespace a digest of the content).
import { createHash } from "node:crypto";
import type { InstalledPackage, SbomEvidence, SourceModule } from "./evidence.js";

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
  const seen = new Set<string>();
  const addPackage = (id: string, pkg: Record<string, unknown>) => {
    if (seen.has(id)) return;
    seen.add(id);
    packages.push({ SPDXID: id, ...pkg });
  };

  const imageId = "SPDXRef-Image";
  addPackage(imageId, {
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

  const buildImageId = "SPDXRef-BuildImage";
  const { digest, source } = evidence.buildImage;
  // A purl names a registry repository: only a registry image has one.
  const purl =
    digest && !source ? { externalRefs: [purlRef(ociPurl(evidence.buildImage.name, digest))] } : {};
  addPackage(buildImageId, {
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
    const id = packageId(p);
    addPackage(id, installedPackage(p));
    relationships.push({
      spdxElementId: id,
      relationshipType: "CONTAINED_BY",
      relatedSpdxElement: buildImageId,
    });
  }

  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fileIds = new Map<string, string>();
  const taken = new Set<string>();
  const spdxFiles = files.map((f) => {
    // "/a/b" and "/a-b" spell the same ID: later ones get a counter (files are sorted, so stable).
    const base = `SPDXRef-File-${idPart(f.path)}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
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
      const id = packageId(p);
      addPackage(id, installedPackage(p));
      relationships.push({
        spdxElementId: id,
        relationshipType: unobserved ? "OTHER" : "STATIC_LINK",
        relatedSpdxElement: fileId,
        comment: unobserved ? `STATIC_LINK? ${comment}` : comment,
      });
    }
    for (const m of link.modules) {
      const id = moduleId(m);
      addPackage(id, sourceModule(m));
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

function packageId(p: InstalledPackage): string {
  return `SPDXRef-Package-${p.manager}-${idPart(p.name)}-${idPart(p.arch)}`;
}

function moduleId(m: SourceModule): string {
  return `SPDXRef-Package-${m.ecosystem}-${idPart(m.name)}-${idPart(m.version)}`;
}

/** SPDX IDs allow letters, digits, `.` and `-` only. */
function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]/g, "-").replace(/^-+/, "");
}
