// What cargo records about a Rust build: Cargo.lock's [[package]] entries. Crates fetched from
// a registry or git are dependencies; entries without a source are the workspace's own crates.
import type { SourceModule } from "./evidence.js";
import { cargoPurl } from "./purl.js";

/** The dependency crates of a Cargo.lock (v1–v4 share this shape), sorted by name and version. Pure. */
export function parseCargoLock(text: string): SourceModule[] {
  const out: SourceModule[] = [];
  for (const block of text.split(/^\[\[package\]\]\s*$/m).slice(1)) {
    const field = (key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m").exec(block)?.[1];
    const name = field("name");
    const version = field("version");
    // The workspace's own crates have no source: they are the program, not its dependencies.
    if (!name || !version || field("source") === undefined) continue;
    out.push({ ecosystem: "cargo", name, version, purl: cargoPurl(name, version) });
  }
  return out.sort((a, b) => (a.name === b.name ? cmp(a.version, b.version) : cmp(a.name, b.name)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
