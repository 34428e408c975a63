import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManifestUnchecked, readTarFile } from "../../src/farm/context.js";
import { httpManifest } from "../../src/farm/remote-manifest.js";

const MANIFEST = "name: hello\npreset: c\n";

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, text] of Object.entries(files)) p.entry({ name }, text);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("the farm's check of an HTTP context's manifest", () => {
  const bodies = new Map<string, Buffer>();
  let server: Server;
  let base = "";
  beforeAll(async () => {
    bodies.set("/manifest.yaml", Buffer.from(MANIFEST));
    bodies.set("/ctx.tar", await tarOf({ "scratchkit.yaml": MANIFEST, "hello.c": "int main(){}\n" }));
    // An xz stream's magic (what `tar -cJ` writes first): an archive the engine unpacks and the farm does not.
    bodies.set(
      "/ctx.tar.xz",
      Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64, 7)]),
    );
    server = createServer((req, res) => {
      const body = bodies.get(req.url ?? "");
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it("reads a plain file as the manifest, and the manifest inside a tar", async () => {
    expect(await httpManifest(`${base}/manifest.yaml`, "scratchkit.yaml", 1 << 20)).toEqual({
      bytes: Buffer.from(MANIFEST),
    });
    expect(await httpManifest(`${base}/ctx.tar`, "scratchkit.yaml", 1 << 20)).toEqual({
      bytes: Buffer.from(MANIFEST),
    });
  });

  it("leaves an xz archive to the engine instead of reading its compressed bytes as the manifest", async () => {
    await expect(httpManifest(`${base}/ctx.tar.xz`, "scratchkit.yaml", 1 << 20)).rejects.toThrow(
      ManifestUnchecked,
    );
  });
});

describe("the farm's read of an uploaded context's manifest", () => {
  it("leaves a bzip2 tar to the engine (it unpacks one; the farm does not)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "farm-upload-")), "ctx.tar.bz2");
    writeFileSync(file, Buffer.concat([Buffer.from("BZh91AY&SY"), Buffer.alloc(64, 3)]));
    await expect(readTarFile(file, "scratchkit.yaml")).rejects.toThrow(ManifestUnchecked);
  });

  it("still reads a plain tar", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "farm-upload-")), "ctx.tar");
    writeFileSync(file, await tarOf({ "scratchkit.yaml": MANIFEST }));
    expect(await readTarFile(file, "scratchkit.yaml")).toEqual(Buffer.from(MANIFEST));
  });
});
