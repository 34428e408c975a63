// Which files of /out an artifact ships, and which of them the gate must read: a file
// artifact (links resolved inside /out), or every file of a directory artifact. The image
// stage copies the artifact path with followSymlinks, which follows the path itself and
// keeps links inside a directory as links: the same files are verified here.
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact } from "../manifest/types.js";
import { type Entry, isWithin, type OutTree, type Resolved, WalkLimitError } from "./out-tree.js";
import { isExecutable, notAProgram } from "./program.js";

/** One file the gate reads. */
export interface GateFile {
  artifact: Artifact;
  /** Where it is read in /out (links resolved), absolute: "/bin/prog". */
  path: string;
  /** How messages name it, after "/out/": "bin/prog", or "hello (a link to /out/hello.real)". */
  shown: string;
  size: number;
  /** Must be a program (an artifact, or an executable file in a directory artifact). */
  mustRun: boolean;
  /** Inside a directory artifact: with allow-dlopen, shared libraries may ship there. */
  inDirectory: boolean;
}

export interface ShipFailure {
  artifact: Artifact;
  message: string;
}

export interface ShipPlan {
  files: GateFile[];
  failures: ShipFailure[];
  /** Artifacts whose path does not exist in /out. */
  missing: Artifact[];
}

export async function planShipped(artifacts: Artifact[], tree: OutTree): Promise<ShipPlan> {
  const plans = await Promise.all(artifacts.map((a) => planOne(a, tree)));
  return {
    files: plans.flatMap((p) => p.files),
    failures: plans.flatMap((p) => p.failures),
    missing: plans.flatMap((p) => p.missing),
  };
}

async function planOne(a: Artifact, tree: OutTree): Promise<ShipPlan> {
  const none: ShipPlan = { files: [], failures: [], missing: [] };
  const top = `/${a.path}`;
  const r = await tree.resolve(top);
  if (!r.ok && r.problem === "missing" && r.links.length === 0) return { ...none, missing: [a] };
  const fail = (message: string): ShipPlan => ({ ...none, failures: [{ artifact: a, message }] });
  if (!r.ok) return fail(`${OUTPUT_DIR}${top} ${linkProblem(r, OUTPUT_DIR)}`);
  const e = r.entry;
  const shown = r.links.length > 0 ? `${a.path} (a link to ${OUTPUT_DIR}${e.path})` : a.path;
  if (e.kind === "dir") return planDirectory(a, e, tree);
  const refused = notAProgram({ kind: e.kind, size: e.size, perm: a.mode ?? e.perm });
  if (refused) return fail(`${OUTPUT_DIR}/${shown} is ${refused.reason}; ${refused.fix}`);
  return {
    ...none,
    files: [{ artifact: a, path: e.path, shown, size: e.size, mustRun: true, inDirectory: false }],
  };
}

/** Every file under the directory; links must stay inside it (they ship as links). */
async function planDirectory(a: Artifact, dir: Entry, tree: OutTree): Promise<ShipPlan> {
  const files: GateFile[] = [];
  const failures: ShipFailure[] = [];
  const fail = (message: string) => failures.push({ artifact: a, message });
  const shownOf = (path: string) => `${a.path}${path.slice(dir.path === "/" ? 0 : dir.path.length)}`;
  let entries: Entry[];
  try {
    entries = await tree.walk(dir.path);
  } catch (err) {
    if (!(err instanceof WalkLimitError)) throw err;
    return {
      files,
      failures: [
        {
          artifact: a,
          message: `${OUTPUT_DIR}/${a.path} is too large a directory to verify: ${err.message}`,
        },
      ],
      missing: [],
    };
  }
  for (const e of entries) {
    const where = `${OUTPUT_DIR}/${shownOf(e.path)}`;
    if (e.kind === "dir") continue;
    if (e.kind === "symlink") {
      const r = await tree.resolve(e.path);
      if (!r.ok) fail(`${where} ${linkProblem(r, OUTPUT_DIR)}`);
      else if (!isWithin(r.entry.path, dir.path))
        fail(
          `${where} is a symbolic link to ${e.linkname}, outside the artifact directory ${OUTPUT_DIR}/${a.path}: links inside a directory ship as links, so its target would not ship`,
        );
      continue;
    }
    const perm = a.mode ?? e.perm;
    const exec = isExecutable(perm);
    // Special files never; executables must be programs; other files are read only to see
    // whether they are ELF objects (then linkage rules apply), else they are data.
    const refused = notAProgram({ kind: e.kind, size: e.size, perm });
    if (refused && (e.kind !== "file" || exec)) {
      fail(`${where} is ${refused.reason}; ${refused.fix}`);
      continue;
    }
    if (e.size === 0) continue;
    files.push({
      artifact: a,
      path: e.path,
      shown: shownOf(e.path),
      size: e.size,
      mustRun: exec,
      inDirectory: true,
    });
  }
  if (entries.length === 0)
    fail(`${OUTPUT_DIR}/${a.path} is an empty directory: there is no program in it to ship`);
  return { files, failures, missing: [] };
}

/** Reads after "<file> ". */
function linkProblem(r: Extract<Resolved, { ok: false }>, root: string): string {
  const chain = r.links.map((l) => `${root}${l}`).join(", ");
  switch (r.problem) {
    case "escapes":
      return `is a symbolic link that leaves ${root} (${chain}): only what is inside ${root} ships; link to a relative path inside ${root}`;
    case "loop":
      return `is a symbolic link that does not resolve (${r.detail}: ${chain})`;
    case "missing":
      return `is a symbolic link to nothing (${chain}; ${root}${r.detail})`;
  }
}
