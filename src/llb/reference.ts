// Docker image reference normalization, following distribution/reference's
// ParseNormalizedNamed + TagNameOnly (what the Go client applies in llb.Image),
// so "alpine:3.22" becomes "docker.io/library/alpine:3.22".

const alnum = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6 = "\\[[a-fA-F0-9:]+\\]";
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const name = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

// go-digest only accepts registered algorithms with lowercase hex of their size.
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const MAX_NAME_LENGTH = 255;
const DEFAULT_DOMAIN = "docker.io";

function splitDockerDomain(ref: string): [string, string] {
  const i = ref.indexOf("/");
  let domain: string;
  let remainder: string;
  const first = i === -1 ? "" : ref.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = ref;
  } else {
    domain = first;
    remainder = ref.slice(i + 1);
  }
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = `library/${remainder}`;
  return [domain, remainder];
}

/** A reference split the way distribution/reference splits it, after normalization. */
export interface ImageReference {
  /** Registry host, e.g. "docker.io" or "localhost:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/alpine". */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parses and normalizes a reference ("alpine:3.22" is docker.io, library/alpine, 3.22); throws if invalid. */
export function parseImageRef(ref: string): ImageReference {
  if (/^[a-f0-9]{64}$/.test(ref)) {
    throw new Error(`invalid image reference "${ref}": cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(ref);
  const tagSep = remainder.indexOf(":");
  const repo = tagSep === -1 ? remainder : remainder.slice(0, tagSep);
  if (repo.toLowerCase() !== repo) {
    throw new Error(`invalid image reference "${ref}": repository name must be lowercase`);
  }
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m) throw new Error(`invalid image reference "${ref}"`);
  const [, fullName = "", tagPart, digestPart] = m;
  if (fullName.length > MAX_NAME_LENGTH) {
    throw new Error(`invalid image reference "${ref}": repository name too long`);
  }
  if (digestPart !== undefined) {
    const [alg = "", hex = ""] = digestPart.split(":");
    if (DIGEST_HEX[alg] !== hex.length || !/^[a-f0-9]+$/.test(hex)) {
      throw new Error(`invalid image reference "${ref}": invalid digest ${digestPart}`);
    }
  }
  return {
    domain,
    path: fullName.slice(domain.length + 1),
    ...(tagPart !== undefined ? { tag: tagPart } : {}),
    ...(digestPart !== undefined ? { digest: digestPart } : {}),
  };
}

/** Returns the fully qualified reference ("docker.io/library/alpine:latest"); throws if invalid. */
export function normalizeImageRef(ref: string): string {
  const r = parseImageRef(ref);
  // TagNameOnly: a bare name means :latest; a digest alone stays untagged.
  const tagged = r.tag ?? (r.digest === undefined ? "latest" : undefined);
  return `${r.domain}/${r.path}${tagged !== undefined ? `:${tagged}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}

/** "docker.io/library/alpine:latest" and "alpine" → "alpine"; undefined when not an image name. */
export function familiarName(name: string): string | undefined {
  let r: ReturnType<typeof parseImageRef>;
  try {
    r = parseImageRef(name);
  } catch {
    return undefined;
  }
  let path = r.domain === "docker.io" ? r.path.replace(/^library\//, "") : `${r.domain}/${r.path}`;
  if (r.tag !== undefined && r.tag !== "latest") path += `:${r.tag}`;
  if (r.digest !== undefined) path += `@${r.digest}`;
  return path;
}
