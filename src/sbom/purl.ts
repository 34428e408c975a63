// Package URLs (github.com/package-url/purl-spec) for the ecosystems the SBOM names.

/** purl percent-encoding of one name/version segment: anything outside the unreserved set. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `pkg:golang/github.com/x/y@v1.2.3`: the module path's slashes are namespace separators, kept. */
export function golangPurl(path: string, version: string): string {
  return `pkg:golang/${path.split("/").map(enc).join("/")}@${enc(version)}`;
}

/** `pkg:cargo/NAME@VERSION`. */
export function cargoPurl(name: string, version: string): string {
  return `pkg:cargo/${enc(name)}@${enc(version)}`;
}
