// Reads an OCI image layout tarball (`--output type=oci,dest=...`) for the end-to-end tests:
// each platform's image config and the files of its layers, all in memory (hello-sized images).
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { parseHeader } from "../../src/elf/header.js";
import { ociArchitecture } from "../../src/elf/index.js";

interface Descriptor {
  mediaType: string;
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
}

export interface LayoutImage {
  /** `os/architecture[/variant]` from the index entry. */
  platform: string;
  config: {
    architecture: string;
    os: string;
    created?: string;
    config?: { Entrypoint?: string[]; User?: string; Labels?: Record<string, string> };
    rootfs?: { diff_ids: string[] };
  };
  /** Every regular file of every layer, path without a leading slash → content. */
  files: Map<string, Buffer>;
}

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

/** The images of an OCI layout tarball, nested indexes followed; attestation manifests left out. */
export async function readOciLayout(tarPath: string): Promise<LayoutImage[]> {
  const entries = await untar(readFileSync(tarPath));
  const blob = (digest: string): Buffer => {
    const data = entries.get(`blobs/${digest.replace(":", "/")}`);
    if (!data) throw new Error(`${tarPath} has no blob ${digest}`);
    return data;
  };
  const json = <T>(b: Buffer): T => JSON.parse(b.toString("utf8")) as T;
  const index = entries.get("index.json");
  if (!index) throw new Error(`${tarPath} is not an OCI layout (no index.json)`);
  const images: LayoutImage[] = [];
  const visit = async (descs: Descriptor[]): Promise<void> => {
    for (const d of descs) {
      if (INDEX_TYPES.has(d.mediaType)) {
        await visit(json<{ manifests: Descriptor[] }>(blob(d.digest)).manifests);
        continue;
      }
      if (!d.platform || d.platform.os === "unknown") continue; // attestation manifests
      const manifest = json<{ config: { digest: string }; layers: { digest: string }[] }>(blob(d.digest));
      const files = new Map<string, Buffer>();
      for (const layer of manifest.layers) {
        for (const [name, data] of await untar(gunzipSync(blob(layer.digest)))) files.set(name, data);
      }
      const p = d.platform;
      images.push({
        platform: [p.os, p.architecture, p.variant].filter(Boolean).join("/"),
        config: json(blob(manifest.config.digest)),
        files,
      });
    }
  };
  await visit(json<{ manifests: Descriptor[] }>(index).manifests);
  return images;
}

/** The OCI architecture an ELF file was built for (amd64, arm64, ...). */
export function elfArchitecture(file: Buffer): string {
  const h = parseHeader(file);
  return ociArchitecture(h.machine, h.elfClass, h.data);
}

/** Regular files of a tar archive: path (no leading ./ or /) → content. */
function untar(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    const ex = extract();
    ex.on("entry", (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => chunks.push(c as Buffer));
      body.on("end", () => {
        if (header.type === "file") out.set(header.name.replace(/^\.?\//, ""), Buffer.concat(chunks));
        next();
      });
      body.on("error", reject);
    });
    ex.on("finish", () => resolve(out));
    ex.on("error", reject);
    Readable.from([data]).pipe(ex);
  });
}
