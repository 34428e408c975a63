// Package URLs (github.com/package-url/purl-spec) for the ecosystems the SBOM names.

import type { OsRelease } from "./os-release.js";

/** purl percent-encoding of one name/version segment: anything outside the unreserved set. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Qualifiers sorted by key, as the spec's canonical form wants. */
function qualifiers(q: Record<string, string | undefined>): string {
  const parts = Object.entries(q)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${enc(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

/**
 * `pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12`: the deb type's namespace is the
 * vendor (os-release ID), distro its ID-VERSION_ID, as the spec's examples and syft write it.
 */
export function debPurl(name: string, version: string, arch: string, os: OsRelease): string {
  const vendor = os.id ?? "debian";
  const distro = os.id && os.versionId ? `${os.id}-${os.versionId}` : undefined;
  return `pkg:deb/${enc(vendor)}/${enc(name)}@${enc(version)}${qualifiers({ arch, distro })}`;
}

/** `pkg:apk/alpine/NAME@VERSION?arch=ARCH&distro=alpine-3.20.3`. */
export function apkPurl(name: string, version: string, arch: string, os: OsRelease): string {
  const vendor = os.id ?? "alpine";
  const distro = os.id && os.versionId ? `${os.id}-${os.versionId}` : undefined;
  return `pkg:apk/${enc(vendor)}/${enc(name)}@${enc(version)}${qualifiers({ arch, distro })}`;
}

/** `pkg:golang/github.com/x/y@v1.2.3`: the module path's slashes are namespace separators, kept. */
export function golangPurl(path: string, version: string): string {
  return `pkg:golang/${path.split("/").map(enc).join("/")}@${enc(version)}`;
}

/** `pkg:cargo/NAME@VERSION`. */
export function cargoPurl(name: string, version: string): string {
  return `pkg:cargo/${enc(name)}@${enc(version)}`;
}
