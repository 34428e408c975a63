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
  size: number;
  layers: Array<{ digest: string; files: LayerFile[] }>;
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
    const files = await listTar(requireEntry(archive, layerPath));
    layers.push({ digest: layerPath.split("/").pop() ?? layerPath, files });
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

async function listTar(data: Buffer): Promise<LayerFile[]> {
  const gz = data[0] === 0x1f && data[1] === 0x8b;
  const files: LayerFile[] = [];
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
      g.pipe(ex);
      g.end(data);
    } else {
      ex.end(data);
    }
  });
  return files;
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
