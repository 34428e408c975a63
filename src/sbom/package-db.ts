// The build image's own package databases, parsed: Debian's dpkg status (RFC 822-style
// paragraphs) and Alpine's apk installed db (one-letter fields, files listed per package).

import type { InstalledPackage } from "./evidence.js";
import type { OsRelease } from "./os-release.js";
import { apkPurl, debPurl } from "./purl.js";

export interface PackageDb {
  packages: InstalledPackage[];
  /** Owning package of each file path (absolute), where the database lists files. */
  owners: Map<string, InstalledPackage>;
}

/** Paragraphs of `Key: value` fields with continuation lines; only the first line of each value is kept. */
function paragraphs(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of para.split("\n")) {
      if (line === "" || line.startsWith(" ") || line.startsWith("\t")) continue;
      const i = line.indexOf(":");
      if (i > 0) f.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    if (f.size) out.push(f);
  }
  return out;
}

/** Installed packages from /var/lib/dpkg/status (Status `... installed` only). Pure. */
export function parseDpkgStatus(text: string, os: OsRelease): PackageDb {
  const packages: InstalledPackage[] = [];
  for (const f of paragraphs(text)) {
    const name = f.get("Package");
    const version = f.get("Version");
    const arch = f.get("Architecture") ?? "";
    if (!name || !version || !/\binstalled$/.test(f.get("Status") ?? "")) continue;
    packages.push({ manager: "deb", name, version, arch, purl: debPurl(name, version, arch, os) });
  }
  return { packages: packages.sort(byName), owners: new Map() };
}

/**
 * The `/var/lib/dpkg/info/<pkg>[:arch].list` file names for a package: Multi-Arch: same
 * packages carry the `:arch` suffix, others do not; both are tried by the reader.
 */
export function dpkgListPaths(p: InstalledPackage): string[] {
  return [`/var/lib/dpkg/info/${p.name}:${p.arch}.list`, `/var/lib/dpkg/info/${p.name}.list`];
}

/** Adds a dpkg .list file's paths to `owners` (directories included: harmless for lookups). Pure on its inputs. */
export function addDpkgList(owners: Map<string, InstalledPackage>, p: InstalledPackage, list: string): void {
  for (const line of list.split("\n")) if (line.startsWith("/")) owners.set(line, p);
}

/** Installed packages and their files from /lib/apk/db/installed. Pure. */
export function parseApkInstalled(text: string, os: OsRelease): PackageDb {
  const packages: InstalledPackage[] = [];
  const owners = new Map<string, InstalledPackage>();
  for (const block of text.split(/\n\s*\n/)) {
    let name = "";
    let version = "";
    let arch = "";
    let dir = "";
    const files: string[] = [];
    for (const line of block.split("\n")) {
      const k = line.slice(0, 2);
      const v = line.slice(2);
      if (k === "P:") name = v;
      else if (k === "V:") version = v;
      else if (k === "A:") arch = v;
      else if (k === "F:") dir = v;
      else if (k === "R:") files.push(`/${dir ? `${dir}/` : ""}${v}`);
    }
    if (!name || !version) continue;
    const p: InstalledPackage = {
      manager: "apk",
      name,
      version,
      arch,
      purl: apkPurl(name, version, arch, os),
    };
    packages.push(p);
    for (const f of files) owners.set(f, p);
  }
  return { packages: packages.sort(byName), owners };
}

function byName(a: InstalledPackage, b: InstalledPackage): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0;
}
