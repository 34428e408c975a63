// /etc/os-release: which distro the build image is, for the purl's namespace and distro qualifier.

export interface OsRelease {
  id?: string;
  versionId?: string;
  codename?: string;
}

/** Parses os-release(5) KEY=value lines (values optionally quoted). Pure. */
export function parseOsRelease(text: string): OsRelease {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    kv.set(m[1], (m[2] ?? "").replace(/^(["'])(.*)\1$/, "$2"));
  }
  const out: OsRelease = {};
  const id = kv.get("ID");
  const versionId = kv.get("VERSION_ID");
  const codename = kv.get("VERSION_CODENAME");
  if (id) out.id = id;
  if (versionId) out.versionId = versionId;
  if (codename) out.codename = codename;
  return out;
}
