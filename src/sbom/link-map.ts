// What one GNU ld run pulled in, read from its map file (-Map): the output it wrote, and the
// archives whose members it actually linked plus the object files it loaded. Archives that
// were searched but gave nothing are not "linked" and are left out.
import { posix } from "node:path";

export interface LinkRecord {
  /** OUTPUT(...) as the linker was told (relative to the link's directory, or absolute). */
  output: string;
  /** Archive paths with at least one member included, normalised, sorted. */
  archives: string[];
  /** Object files loaded directly (crt files, the program's own objects), normalised, sorted. */
  objects: string[];
}

const MEMBER = /^(\/\S+\.a)\(/;
const LOAD = /^LOAD (\S+)$/;
const OUTPUT = /^OUTPUT\((.+) [^ ]+\)$/;

/** Parses one map file; undefined when it names no output (a failed or partial link). Pure. */
export function parseLinkMap(text: string): LinkRecord | undefined {
  const archives = new Set<string>();
  const objects = new Set<string>();
  let output: string | undefined;
  let inMembers = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("Archive member included")) inMembers = true;
    else if (inMembers && /^[A-Z]/.test(line)) inMembers = false;
    const member = inMembers ? MEMBER.exec(line) : null;
    if (member?.[1]) archives.add(posix.normalize(member[1]));
    const load = LOAD.exec(line);
    // Temporary objects of the compile itself (/tmp/cc*.o) belong to no package.
    if (load?.[1]?.endsWith(".o") && load[1].startsWith("/")) objects.add(posix.normalize(load[1]));
    const out = OUTPUT.exec(line);
    if (out?.[1]) output = out[1];
  }
  if (output === undefined) return undefined;
  const sorted = (s: Set<string>) => [...s].sort();
  return { output, archives: sorted(archives), objects: sorted(objects) };
}
