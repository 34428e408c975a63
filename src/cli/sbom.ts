import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { extract } from "tar-stream";
import { connectDocker } from "../engine/docker.js";
import { type AttachedSbom, attachedSboms, type BlobReader } from "../sbom/attached.js";
import { type Command, UsageError } from "./command.js";

export const sbomCommand: Command = {
  name: "sbom",
  synopsis: "IMAGE|OCI-LAYOUT [--platform OS/ARCH]",
  summary:
    "print the SPDX document attached by `--sbom=true` to a local image or an OCI layout (directory or tar)",
  details: `options:
  --platform OS/ARCH   which platform's document, when the image has several
  -h, --help           this help

IMAGE is read from the local Docker Engine (containerd image store), no registry needed.

exit status: 0 printed, 1 no SBOM attached or error, 2 usage error.`,
  options: { platform: { type: "string" } },
  async run({ positionals, values }, out) {
    const [target, ...extra] = positionals;
    if (!target) throw new UsageError("no image or OCI layout given");
    if (extra.length > 0) throw new UsageError(`one image at a time (also given: ${extra.join(" ")})`);
    const sboms = await attachedSboms(await blobReader(target));
    const wanted = typeof values.platform === "string" ? values.platform : undefined;
    const chosen = wanted ? sboms.filter((s) => s.platform === wanted) : sboms;
    if (chosen.length === 0) {
      out.stderr(
        `scratchkit sbom: no SBOM attached to ${target}${wanted ? ` for ${wanted}` : ""}` +
          (sboms.length > 0
            ? ` (platforms with one: ${platforms(sboms)})`
            : "; was it built with --sbom=true?"),
      );
      return 1;
    }
    if (chosen.length > 1)
      throw new UsageError(
        `${target} has an SBOM per platform; choose one with --platform (${platforms(chosen)})`,
      );
    out.stdout(JSON.stringify((chosen[0] as AttachedSbom).document, null, 2));
    return 0;
  },
};

function platforms(s: AttachedSbom[]): string {
  return s.map((x) => x.platform).join(", ");
}

/** A directory is an OCI layout, a file an OCI layout tar; anything else an image name on the engine. */
async function blobReader(target: string): Promise<BlobReader> {
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    return (digest) => readFile(path.join(target, blobPath(digest)));
  }
  if (info?.isFile()) return tarReader(Readable.from(await readFile(target)));
  const stream = await connectDocker().getImage(target).get();
  return tarReader(stream);
}

function blobPath(digest: string): string {
  if (digest === "index.json") return digest;
  const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(digest);
  if (!m) throw new Error(`not a digest: ${digest}`);
  return path.join("blobs", m[1] as string, m[2] as string);
}

/** The layout's JSON files (index, manifests, statements) kept in memory; layer blobs skipped unless small. */
async function tarReader(stream: NodeJS.ReadableStream): Promise<BlobReader> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  await new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, body, next) => {
      const keep = header.type === "file" && (header.size ?? 0) < 16 * 1024 * 1024;
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => {
        if (keep) chunks.push(c as Buffer);
      });
      body.on("end", () => {
        if (keep) files.set(header.name.replace(/^\.\//, ""), Buffer.concat(chunks));
        next();
      });
      body.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
    stream.on("error", reject);
    stream.pipe(ex);
  });
  return async (digest) => {
    const bytes = files.get(blobPath(digest));
    if (!bytes) throw new Error(`${digest} is missing from the image's export`);
    return bytes;
  };
}
