// The build image's installed packages, from its own package database: Debian's
// /var/lib/dpkg/status (+ info/<pkg>.list for the files each owns) and Alpine's
// /lib/apk/db/installed (packages and files in one). Pure parsers; src/frontend/sbom-evidence.ts reads them.
import type { InstalledPackage } from "./evidence.js";

/** A package with the files it owns (absolute paths), for mapping linked files back to it. */
export interface OwnedPackage extends InstalledPackage {
  files: string[];
}

/** `ID` and `VERSION_ID` of /etc/os-release, for the purl's distro qualifier. */
export interface Distro {
  id: string;
  versionId?: string;
}

export function parseOsRelease(text: string): Distro | undefined {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) kv.set(m[1], m[2].replace(/^["']|["']$/g, ""));
  }
  const id = kv.get("ID");
  if (!id) return undefined;
  const versionId = kv.get("VERSION_ID");
  return versionId ? { id, versionId } : { id };
}

/**
 * Package URL (purl-spec): `pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12`;
 * `pkg:apk/alpine/...` likewise. Version and qualifiers are percent-encoded.
 */
export function packagePurl(
  manager: "deb" | "apk",
  name: string,
  version: string,
  arch: string,
  distro?: Distro,
): string {
  const ns = distro?.id ?? (manager === "deb" ? "debian" : "alpine");
  const q = [`arch=${encodeURIComponent(arch)}`];
  if (distro?.versionId) q.push(`distro=${encodeURIComponent(`${distro.id}-${distro.versionId}`)}`);
  return `pkg:${manager}/${ns}/${encodeURIComponent(name)}@${encodeURIComponent(version)}?${q.join("&")}`;
}

/** dpkg's status file: the stanzas of installed packages ("install ok installed"), sorted by name. */
export function parseDpkgStatus(text: string, distro?: Distro): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = fields(stanza);
    const name = f.get("Package");
    const version = f.get("Version");
    if (!name || !version || !/\binstalled$/.test(f.get("Status") ?? "")) continue;
    const arch = f.get("Architecture") ?? "all";
    out.push({ manager: "deb", name, version, arch, purl: packagePurl("deb", name, version, arch, distro) });
  }
  return out.sort((a, b) => compare(a.name, b.name) || compare(a.arch, b.arch));
}

/** The dpkg info file listing a package's files: `<name>:<arch>.list` for multi-arch packages, else `<name>.list`. */
export function dpkgListNames(p: InstalledPackage): string[] {
  return p.arch === "all" ? [`${p.name}.list`] : [`${p.name}:${p.arch}.list`, `${p.name}.list`];
}

/** Alpine's installed database: P (name), V (version), A (arch), F (folder) + R (file) lines. */
export function parseApkInstalled(text: string, distro?: Distro): OwnedPackage[] {
  const out: OwnedPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    let name = "";
    let version = "";
    let arch = "noarch";
    let dir = "";
    const files: string[] = [];
    for (const line of stanza.split("\n")) {
      const key = line.slice(0, 2);
      const value = line.slice(2);
      if (key === "P:") name = value;
      else if (key === "V:") version = value;
      else if (key === "A:") arch = value;
      else if (key === "F:") dir = value;
      else if (key === "R:") files.push(`/${dir ? `${dir}/` : ""}${value}`);
    }
    if (!name || !version) continue;
    out.push({
      manager: "apk",
      name,
      version,
      arch,
      purl: packagePurl("apk", name, version, arch, distro),
      files,
    });
  }
  return out.sort((a, b) => compare(a.name, b.name));
}

/** Packages that can hold static archives or objects: possible contributors when a link is not seen. */
export function isDevelopmentPackage(p: InstalledPackage): boolean {
  return /-(dev|static)$/.test(p.name);
}

function fields(stanza: string): Map<string, string> {
  const f = new Map<string, string>();
  for (const line of stanza.split("\n")) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) f.set(m[1], m[2].trim());
  }
  return f;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
