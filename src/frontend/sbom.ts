// --sbom=true: one platform's SPDX document, written into a scratch state whose ref the
// result's attestation points at (BuildKit wraps it as an in-toto statement about the image
// and, seeing an SPDX predicate, runs no scanner of its own).
import { createHash } from "node:crypto";
import { type GoBuildInfo, readGoBuildInfo } from "../elf/go-buildinfo.js";
import { ElfError } from "../elf/reader.js";
import { goFileKind } from "../gateway/file-mode.js";
import type { FrontendClient, Ref } from "../gateway/frontend-client.js";
import { marshal, mkfile, scratch } from "../llb/index.js";
import type { Platform } from "../platform.js";
import { type ImageFile, spdxDocument } from "../sbom/spdx.js";
import type { PlatformSbom } from "./platform-result.js";
import { type GatherInput, gatherSbomEvidence } from "./sbom-evidence.js";

export const SBOM_PATH = "/sbom.spdx.json";

export interface SbomInput extends GatherInput {
  client: FrontendClient;
  /** The finished FROM scratch image: every regular file in it is listed with its SHA-256. */
  image: Ref;
  name: string;
  platform: Platform;
  platformId: string;
  epoch?: number;
}

export async function sbomAttestation(input: SbomInput): Promise<PlatformSbom> {
  const { files, goBuildInfo } = await imageFiles(input.image);
  const evidence = await gatherSbomEvidence({ ...input, goBuildInfo });
  const doc = spdxDocument({
    name: input.name,
    platform: input.platformId,
    files,
    evidence,
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
  });
  const state = scratch().file(mkfile(SBOM_PATH, 0o644, `${JSON.stringify(doc, null, 2)}\n`), {
    name: `[sbom] SPDX document (${input.platformId})`,
  });
  const ref = await input.client.solve(marshal(state, { platform: input.platform }).definition);
  return { refId: ref.id, path: SBOM_PATH };
}

/**
 * Every regular file under / of the image, hashed (the image holds only what the manifest
 * ships), and the Go build info of those that have it: each file is read once for both.
 */
async function imageFiles(
  image: Ref,
): Promise<{ files: ImageFile[]; goBuildInfo: Map<string, GoBuildInfo> }> {
  const out: ImageFile[] = [];
  const goBuildInfo = new Map<string, GoBuildInfo>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await image.readDir(dir);
    for (const e of entries) {
      const path = `${dir === "/" ? "" : dir}/${e.path}`;
      const kind = goFileKind(e.mode);
      if (kind === "dir") await walk(path);
      else if (kind === "file") {
        const bytes = await image.readFile(path);
        out.push({ path, sha256: createHash("sha256").update(bytes).digest("hex") });
        const go = await goInfo(bytes);
        if (go) goBuildInfo.set(path, go);
      }
    }
  };
  await walk("/");
  // spdxDocument orders the files itself.
  return { files: out, goBuildInfo };
}

/** A file's Go build info; undefined when it is not Go (or not an ELF we can read). */
async function goInfo(bytes: Uint8Array): Promise<GoBuildInfo | undefined> {
  try {
    return await readGoBuildInfo(bytes);
  } catch (err) {
    if (err instanceof ElfError) return undefined;
    throw err;
  }
}
