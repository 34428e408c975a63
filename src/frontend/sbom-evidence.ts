// Gathers one platform's SBOM evidence through the bridge: the build image's package
// database, and the link maps the observer wrote (link-observer.ts), matched to the artifacts.
import { posix } from "node:path";
import type { GoBuildInfo } from "../elf/go-buildinfo.js";
import type { Ref } from "../gateway/frontend-client.js";
import { parseCargoLock } from "../sbom/cargo-lock.js";
import type { InstalledPackage, SbomEvidence, StaticLinks } from "../sbom/evidence.js";
import { goModules } from "../sbom/go-modules.js";
import { type LinkRecord, parseLinkMap } from "../sbom/link-map.js";
import { MAPS_DIR } from "../sbom/link-observer.js";
import {
  type Distro,
  dpkgListNames,
  isDevelopmentPackage,
  parseApkInstalled,
  parseDpkgStatus,
  parseOsRelease,
} from "../sbom/package-db.js";
import { isNotFound } from "./solve.js";

export interface ShippedArtifact {
  /** Where the image has it: "/hello". */
  image: string;
  /** Where the build wrote it: "/out/hello". */
  built: string;
}

export interface GatherInput {
  /** The build stage's root after its commands ran: its package database. */
  buildRoot: Ref;
  /** The observer's directory when links were observed (native builds). */
  links?: Ref;
  buildImage: SbomEvidence["buildImage"];
  /** Go build info by the image path of the shipped files that have it. */
  goBuildInfo?: ReadonlyMap<string, GoBuildInfo>;
  /** The build's working directory after its commands: its Cargo.lock, when a Rust build has one. */
  sources?: Ref;
  artifacts: ShippedArtifact[];
}

export async function gatherSbomEvidence(input: GatherInput): Promise<SbomEvidence> {
  const { buildRoot } = input;
  const distro = parseOsRelease((await readText(buildRoot, "/etc/os-release")) ?? "");
  const db = await installedPackages(buildRoot, distro);
  const records = input.links ? await linkRecords(input.links) : [];
  const development = db.installed.filter(isDevelopmentPackage);
  const owners = records.length > 0 ? await db.owners(development) : new Map<string, InstalledPackage>();
  const cargoLock = input.sources ? await readText(input.sources, "/Cargo.lock") : undefined;
  // Cargo.lock is the build's, not one artifact's: every non-Go artifact of the build gets its crates.
  const crates = cargoLock === undefined ? [] : parseCargoLock(cargoLock);
  const links = input.artifacts.map((a): StaticLinks => {
    const go = input.goBuildInfo?.get(a.image);
    if (go) return { artifact: a.image, evidence: "go-buildinfo", packages: [], modules: goModules(go) };
    const seen = records.filter((r) => linkedInto(r, a.built));
    if (seen.length === 0 && crates.length > 0)
      return { artifact: a.image, evidence: "cargo-lock", packages: [], modules: crates };
    if (seen.length === 0)
      return { artifact: a.image, evidence: "unobserved", packages: development, modules: [] };
    const packages = new Map<string, InstalledPackage>();
    for (const r of seen) {
      for (const file of [...r.archives, ...r.objects]) {
        const owner = owners.get(file) ?? owners.get(withoutUsr(file));
        if (owner) packages.set(owner.purl, owner);
      }
    }
    return {
      artifact: a.image,
      evidence: crates.length > 0 ? "cargo-lock" : "link-trace",
      packages: [...packages.values()],
      modules: crates,
    };
  });
  return { buildImage: input.buildImage, installed: db.installed, links };
}

interface PackageDb {
  installed: InstalledPackage[];
  /** file path → owning package, for the given packages. */
  owners(of: InstalledPackage[]): Promise<Map<string, InstalledPackage>>;
}

async function installedPackages(root: Ref, distro: Distro | undefined): Promise<PackageDb> {
  const status = await readText(root, "/var/lib/dpkg/status");
  if (status !== undefined) {
    const installed = parseDpkgStatus(status, distro);
    return {
      installed,
      owners: async (of) => {
        const map = new Map<string, InstalledPackage>();
        const lists = await Promise.all(of.map((p) => dpkgList(root, p)));
        of.forEach((p, i) => {
          for (const f of lists[i] ?? []) map.set(f, p);
        });
        return map;
      },
    };
  }
  const apk = await readText(root, "/lib/apk/db/installed");
  if (apk !== undefined) {
    const owned = parseApkInstalled(apk, distro);
    const installed = owned.map(({ files: _, ...p }) => p);
    return {
      installed,
      owners: async (of) => {
        const wanted = new Set(of.map((p) => p.purl));
        const map = new Map<string, InstalledPackage>();
        owned.forEach((p, i) => {
          const pkg = installed[i];
          if (pkg && wanted.has(p.purl)) for (const f of p.files) map.set(f, pkg);
        });
        return map;
      },
    };
  }
  return { installed: [], owners: async () => new Map() };
}

async function dpkgList(root: Ref, p: InstalledPackage): Promise<string[]> {
  for (const name of dpkgListNames(p)) {
    const text = await readText(root, `/var/lib/dpkg/info/${name}`);
    if (text !== undefined) return text.split("\n").filter((l) => l.startsWith("/"));
  }
  return [];
}

async function linkRecords(links: Ref): Promise<LinkRecord[]> {
  let entries: Awaited<ReturnType<Ref["readDir"]>>;
  try {
    entries = await links.readDir(MAPS_DIR, "*.map");
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const names = entries.map((e) => e.path).sort();
  const texts = await Promise.all(names.map((n) => readText(links, `${MAPS_DIR}/${n}`)));
  return texts.flatMap((t) => {
    const r = t === undefined ? undefined : parseLinkMap(t);
    return r ? [r] : [];
  });
}

/** A link wrote the artifact: the same absolute path, or (a relative -o, copied later) the same name. */
function linkedInto(r: LinkRecord, built: string): boolean {
  return r.output.startsWith("/") ? r.output === built : posix.basename(r.output) === posix.basename(built);
}

/** Merged-/usr: dpkg may list /lib/... for what the linker opened as /usr/lib/... */
function withoutUsr(path: string): string {
  return path.startsWith("/usr/") ? path.slice(4) : path;
}

async function readText(ref: Ref, path: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await ref.readFile(path));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
