// The one entry point the frontend calls per platform after the build stage ran: reads the
// build image's package database and each artifact's build info through BuildKit refs, and
// hands the pure parsers their bytes. All I/O of SBOM evidence gathering is here.

import { readGoBuildInfo } from "../elf/go-buildinfo.js";
import { ElfError } from "../elf/reader.js";
import type { Ref } from "../gateway/frontend-client.js";
import type { InstalledPackage, SbomEvidence, StaticLinks } from "./evidence.js";
import { goModules } from "./go-modules.js";
import { type OsRelease, parseOsRelease } from "./os-release.js";
import { parseApkInstalled, parseDpkgStatus } from "./package-db.js";

export interface GatherInput {
  /** The build stage's image as the manifest names it, and its digest when resolved. */
  buildImage: { name: string; digest?: string };
  /** The build stage's root filesystem after the build command ran (packages installed). */
  stage: Ref;
  /** The solved output holding the artifacts (the link step's /out, as the gate reads it). */
  output: Ref;
  /** Shipped artifacts: `path` in `output`, `artifact` the path in the image (e.g. `/hello`). */
  artifacts: ReadonlyArray<{ path: string; artifact: string }>;
}

const DPKG_STATUS = "/var/lib/dpkg/status";
const APK_INSTALLED = "/lib/apk/db/installed";

/** Evidence for one platform's SBOM. Reads: os-release + one package db, then each artifact. */
export async function gatherSbomEvidence(input: GatherInput): Promise<SbomEvidence> {
  const [osRelease, dpkg, apk] = await Promise.all([
    readOptional(input.stage, "/etc/os-release"),
    readOptional(input.stage, DPKG_STATUS),
    readOptional(input.stage, APK_INSTALLED),
  ]);
  const os: OsRelease = osRelease ? parseOsRelease(text(osRelease)) : {};
  const installed: InstalledPackage[] = dpkg
    ? parseDpkgStatus(text(dpkg), os).packages
    : apk
      ? parseApkInstalled(text(apk), os).packages
      : [];
  const links = await Promise.all(input.artifacts.map((a) => artifactLinks(input.output, a, installed)));
  return { buildImage: input.buildImage, installed, links };
}

async function artifactLinks(
  output: Ref,
  a: { path: string; artifact: string },
  installed: InstalledPackage[],
): Promise<StaticLinks> {
  const bytes = await output.readFile(a.path.startsWith("/") ? a.path : `/${a.path}`);
  // A file our ELF reader cannot make sense of simply has no Go build info to offer.
  const info = await readGoBuildInfo(bytes).catch((e: unknown) => {
    if (e instanceof ElfError) return undefined;
    throw e;
  });
  if (info) return { artifact: a.artifact, evidence: "go-buildinfo", packages: [], modules: goModules(info) };
  // TODO(link14): link-trace (C/C++) and cargo-lock evidence; until then nothing was observed.
  return {
    artifact: a.artifact,
    evidence: "unobserved",
    packages: possibleContributors(installed),
    modules: [],
  };
}

/** Every installed -dev/-static package: what a link we could not observe may have used. Pure. */
export function possibleContributors(installed: readonly InstalledPackage[]): InstalledPackage[] {
  return installed.filter((p) => /-(dev|static)$/.test(p.name));
}

async function readOptional(ref: Ref, path: string): Promise<Uint8Array | undefined> {
  try {
    return await ref.readFile(path);
  } catch {
    return undefined; // absent: this distro keeps no such database
  }
}

function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
