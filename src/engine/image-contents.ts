import { PassThrough } from "node:stream";
import { createGunzip } from "node:zlib";
import type Docker from "dockerode";
import { extract } from "tar-stream";

export interface LayerFile {
  path: string;
  size: number;
  mode: number;
  type: string;
}

export interface ImageContents {
  id: string;
  /** What the engine reports: with the containerd image store, disk usage (compressed content + unpacked snapshot). */
  size: number;
  /** tarBytes: the uncompressed layer tar's length, the same under either image store. */
  layers: Array<{ digest: string; files: LayerFile[]; tarBytes: number }>;
  config: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    User?: string;
    Env?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  };
  architecture: string;
  os: string;
}

/**
 * What an image really holds: its layers and every file in them, read from the engine's
 * `docker save` stream (no temporary files). For the demo and the end-to-end tests.
 */
export async function imageContents(docker: Docker, name: string): Promise<ImageContents> {
  const image = docker.getImage(name);
  const info = await image.inspect();
  const archive = await readTar(await image.get());
  const manifest = JSON.parse(requireEntry(archive, "manifest.json").toString("utf8")) as Array<{
    Layers: string[];
  }>;
  const layers = [];
  for (const layerPath of manifest[0]?.Layers ?? []) {
    const { files, tarBytes } = await listTar(requireEntry(archive, layerPath));
    layers.push({ digest: layerPath.split("/").pop() ?? layerPath, files, tarBytes });
  }
  return {
    id: info.Id,
    size: info.Size,
    layers,
    config: info.Config as ImageContents["config"],
    architecture: info.Architecture,
    os: info.Os,
  };
}

function requireEntry(archive: Map<string, Buffer>, name: string): Buffer {
  const data = archive.get(name);
  if (!data) throw new Error(`docker save output has no ${name}`);
  return data;
}

/** Reads a whole (small) tar stream into memory: file name → content. */
function readTar(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    const ex = extract();
    ex.on("entry", (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => chunks.push(c as Buffer));
      body.on("end", () => {
        if (header.type === "file") out.set(header.name, Buffer.concat(chunks));
        next();
      });
      body.on("error", reject);
    });
    ex.on("finish", () => resolve(out));
    ex.on("error", reject);
    stream.on("error", reject);
    stream.pipe(ex);
  });
}

async function listTar(data: Buffer): Promise<{ files: LayerFile[]; tarBytes: number }> {
  const gz = data[0] === 0x1f && data[1] === 0x8b;
  const files: LayerFile[] = [];
  let tarBytes = gz ? 0 : data.length;
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on("entry", (header, body, next) => {
      files.push({
        path: header.name,
        size: header.size ?? 0,
        mode: header.mode ?? 0,
        type: header.type ?? "file",
      });
      body.on("end", next);
      body.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
    if (gz) {
      const g = createGunzip();
      g.on("error", reject);
      g.on("data", (c: Buffer) => {
        tarBytes += c.length;
      });
      g.pipe(ex);
      g.end(data);
    } else {
      ex.end(data);
    }
  });
  return { files, tarBytes };
}

/** Runs an image to completion and returns what it printed. */
export async function runImage(
  docker: Docker,
  name: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on("data", (c: Buffer) => chunks.out.push(c));
  err.on("data", (c: Buffer) => chunks.err.push(c));
  const [result, container] = (await docker.run(name, args, [out, err], {
    Tty: false,
    HostConfig: { AutoRemove: false, NetworkMode: "none" },
  })) as [{ StatusCode: number }, Docker.Container];
  await container.remove({ force: true });
  return {
    code: result.StatusCode,
    stdout: Buffer.concat(chunks.out).toString("utf8"),
    stderr: Buffer.concat(chunks.err).toString("utf8"),
  };
}

export interface ImageManifest {
  kind: "image" | "attestation" | "unknown";
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
}

/**
 * The manifests behind a tag (containerd image store): one per platform image, plus
 * BuildKit's attestation manifests. An image's own identity is its platform manifest's
 * digest; the tag's ID also covers the provenance attestation, which records build times.
 */
export async function imageManifests(docker: Docker, name: string): Promise<ImageManifest[]> {
  const info = (await new Promise<unknown>((resolve, reject) => {
    docker.modem.dial(
      {
        // docker-modem appends `options` as the query string after a trailing "?".
        path: `/images/${name}/json?`,
        method: "GET",
        options: { manifests: true },
        statusCodes: { 200: true, 404: "no such image", 500: "server error" },
      },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
    );
  })) as {
    Manifests?: Array<{
      Kind?: string;
      Descriptor: { digest: string };
      ImageData?: { Platform?: { os: string; architecture: string; variant?: string } };
    }>;
  };
  return (info.Manifests ?? []).map((m) => ({
    kind: m.Kind === "image" || m.Kind === "attestation" ? m.Kind : "unknown",
    digest: m.Descriptor.digest,
    ...(m.ImageData?.Platform ? { platform: m.ImageData.Platform } : {}),
  }));
}
