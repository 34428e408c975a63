// `scratchkit check-elf FILE...`: the frontend's static-linkage gate on local files, with
// scanelf/lddtree-style output: one line per file, verdict first.
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { fileSource } from "../elf/file-source.js";
import type { Platform, Verdict } from "../elf/index.js";
import type { FileKind } from "../gateway/file-mode.js";
import { hostPlatform } from "../llb/platform.js";
import { parsePlatform } from "../platform.js";
import { type Assessment, assessArtifact } from "../verify/assess.js";
import { notAProgram } from "../verify/program.js";
import { type Command, type Out, processOut, runCommand, UsageError } from "./command.js";

interface FileResult {
  file: string;
  ok: boolean;
  /** Set when the file could not be opened, or is no program before any byte is read. */
  error?: string;
  assessment?: Assessment;
}

export const checkElfCommand: Command = {
  name: "check-elf",
  synopsis: "FILE... [--platform P] [--json] [--allow-dlopen]",
  summary: "may each file ship in a FROM scratch image? the frontend's static-linkage gate on local files",
  details: `options:
  --platform P     the image's platform, e.g. linux/arm64 (default: this machine's)
  --json           one JSON report per file instead of one line per file
  --allow-dlopen   accept static executables that may dlopen (NSS, iconv) at run time
  -h, --help       this help

output: one line per file, verdict first (OK static-pie amd64 / FAIL dynamic ...).
exit status: 0 every file may ship, 1 one may not, 2 usage error.`,
  options: {
    platform: { type: "string" },
    json: { type: "boolean", default: false },
    "allow-dlopen": { type: "boolean", default: false },
  },
  async run({ positionals: files, values }, out) {
    const platform = values.platform ? parsePlatform(String(values.platform)) : hostPlatform();
    if (files.length === 0) throw new UsageError("no files given");
    const allowDlopen = values["allow-dlopen"] === true;
    const results: FileResult[] = [];
    for (const file of files) results.push(await checkOne(file, platform, allowDlopen));
    if (values.json === true) out.stdout(JSON.stringify(results.map(toJson), null, 2));
    else for (const r of results) out.stdout(humanLine(r));
    return results.every((r) => r.ok) ? 0 : 1;
  },
};

/** Exit 0 when every file may ship, 1 otherwise, 2 on usage errors. */
export function checkElf(args: string[], out: Out = processOut): Promise<number> {
  return runCommand(checkElfCommand, args, out);
}

async function checkOne(file: string, platform: Platform, allowDlopen: boolean): Promise<FileResult> {
  // stat, never open, first: opening a FIFO for reading blocks until a writer comes, and
  // opening a device node can have effects. It follows links, as exec would.
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, ok: false, error: code ? `cannot open (${code})` : String(err) };
  }
  const facts = { kind: kindOf(st), size: st.size, perm: st.mode & 0o777 };
  const refused = notAProgram(facts);
  if (refused && facts.kind !== "file")
    return { file, ok: false, error: `${refused.reason} — ${refused.fix}` };
  let src: Awaited<ReturnType<typeof fileSource>>;
  try {
    src = await fileSource(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, ok: false, error: code ? `cannot open (${code})` : messageOf(err) };
  }
  try {
    const assessment = await assessArtifact(src, { platform, allowDlopen });
    // An empty or non-executable file: the gate's rules before the bytes (and the verdict) count.
    if (refused) {
      assessment.reasons = facts.size === 0 ? [refused.reason] : [refused.reason, ...assessment.reasons];
      assessment.fix = refused.fix;
    }
    return { file, ok: assessment.reasons.length === 0, assessment };
  } finally {
    await src.close();
  }
}

/** The kind of a node fs.Stats, in the gate's terms. */
export function kindOf(st: Stats): FileKind {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isBlockDevice()) return "block-device";
  if (st.isCharacterDevice()) return "char-device";
  return "irregular";
}

/** `file: OK static-pie amd64 [notes]` or `file: FAIL dynamic amd64: reasons; fix`. */
export function humanLine(r: FileResult): string {
  if (!r.assessment) return `${r.file}: FAIL ${r.error ?? "unreadable"}`;
  const a = r.assessment;
  const head = `${r.file}: ${r.ok ? "OK" : "FAIL"} ${describe(a.report.verdict)}`;
  const parts: string[] = [];
  if (!r.ok) parts.push(`${a.reasons.join("; ")}${a.fix ? ` — ${a.fix}` : ""}`);
  for (const f of a.findings) parts.push(`warning: ${f.short.replace(/^is /, "")}`);
  return parts.length > 0 ? `${head}: ${parts.join("; ")}` : head;
}

function describe(v: Verdict): string {
  switch (v.kind) {
    case "static":
    case "static-pie":
      return `${v.kind} ${v.machine}`;
    case "dynamic":
    case "shared-library":
      return `${v.kind} ${v.machine}${v.needed.length ? ` (needs ${v.needed.join(", ")})` : ""}`;
    case "script":
      return `script (${v.interpreter || "empty #!"})`;
    case "not-elf":
      return "data (not ELF)";
    case "invalid":
      return "invalid ELF";
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function toJson(r: FileResult): object {
  if (!r.assessment) return { file: r.file, ok: false, error: r.error };
  const a = r.assessment;
  return {
    file: r.file,
    ok: r.ok,
    verdict: a.report.verdict,
    reasons: a.reasons,
    ...(a.fix ? { fix: a.fix } : {}),
    warnings: a.findings,
    report: a.report,
    ...(a.hazard ? { nssScan: a.hazard } : {}),
    bytesRead: a.bytesRead,
  };
}
