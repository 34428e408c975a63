// What the SBOM is made from: the contract between evidence gathering (what the build image
// has installed, and what each artifact statically links) and the SPDX document built from it.
// Gathering fills these in from the build stage; src/sbom's document code only reads them.

/** A package installed in the build image, read from its own package database. */
export interface InstalledPackage {
  manager: "deb" | "apk";
  name: string;
  version: string;
  /** The package's architecture as its manager spells it (amd64, x86_64, all...). */
  arch: string;
  /** Package URL, e.g. `pkg:deb/debian/musl-dev@1.2.3-1?arch=amd64`. */
  purl: string;
}

/** A Go module or Rust crate recorded in a binary's build info or a lock file. */
export interface SourceModule {
  ecosystem: "golang" | "cargo";
  name: string;
  version: string;
  /** `pkg:golang/...` or `pkg:cargo/...`. */
  purl: string;
}

/**
 * How we know what an artifact links: seen in the link itself, read from the binary's own
 * build info or the lock file, or not observable (a custom command): then `packages` lists
 * every installed -dev/-static package as a possible contributor and the document says so.
 */
export type LinkEvidence = "link-trace" | "go-buildinfo" | "cargo-lock" | "unobserved";

/** What one shipped artifact statically links. */
export interface StaticLinks {
  /** The artifact's path in the image, e.g. `/hello`. */
  artifact: string;
  evidence: LinkEvidence;
  packages: InstalledPackage[];
  modules: SourceModule[];
}

/** Everything gathered for one platform's SBOM. */
export interface SbomEvidence {
  /**
   * The build stage's image as the manifest names it (after named-context replacement) and its
   * digest when known; `source` says what it is when it is a named context rather than a registry image.
   */
  buildImage: { name: string; digest?: string; source?: string };
  installed: InstalledPackage[];
  links: StaticLinks[];
}
