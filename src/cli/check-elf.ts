// `scratchkit check-elf FILE...`: the frontend's static-linkage gate on local files, with
// scanelf/lddtree-style output: one line per file, verdict first.
import { parseArgs } from "node:util";
import { fileSource } from "../elf/file-source.js";
import type { Platform, Verdict } from "../elf/index.js";
import { OptsError, parsePlatform } from "../gateway/opts.js";
import { hostPlatform } from "../llb/platform.js";
import { type Assessment, assessArtifact } from "../verify/assess.js";

export const CHECK_ELF_USAGE =
  "check-elf FILE... [--platform P] [--json] [--allow-dlopen]\n" +
  "                                 may each file ship in a FROM scratch image? (exit 0 yes, 1 no)";

export interface Out {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const console_: Out = {
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
};

interface FileResult {
  file: string;
  ok: boolean;
  /** Set when the file could not be opened. */
  error?: string;
  assessment?: Assessment;
}

/** Exit 0 when every file may ship, 1 otherwise, 2 on usage errors. */
export async function checkElf(args: string[], out: Out = console_): Promise<number> {
  let files: string[];
  let platform: Platform;
  let json: boolean;
  let allowDlopen: boolean;
  try {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        platform: { type: "string" },
        json: { type: "boolean", default: false },
        "allow-dlopen": { type: "boolean", default: false },
      },
    });
    files = positionals;
    platform = values.platform ? parsePlatform(values.platform) : hostPlatform();
    json = values.json === true;
    allowDlopen = values["allow-dlopen"] === true;
  } catch (err) {
    // parseArgs (unknown option, missing value) and parsePlatform errors are usage errors.
    if (err instanceof OptsError || (err instanceof Error && "code" in err)) {
      out.stderr(`scratchkit check-elf: ${err.message}`);
      out.stderr(`usage: scratchkit ${CHECK_ELF_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (files.length === 0) {
    out.stderr("scratchkit check-elf: no files given");
    out.stderr(`usage: scratchkit ${CHECK_ELF_USAGE}`);
    return 2;
  }

  const results: FileResult[] = [];
  for (const file of files) results.push(await checkOne(file, platform, allowDlopen));
  if (json) out.stdout(JSON.stringify(results.map(toJson), null, 2));
  else for (const r of results) out.stdout(humanLine(r));
  return results.every((r) => r.ok) ? 0 : 1;
}

async function checkOne(file: string, platform: Platform, allowDlopen: boolean): Promise<FileResult> {
  let src: Awaited<ReturnType<typeof fileSource>>;
  try {
    src = await fileSource(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, ok: false, error: code ? `cannot open (${code})` : String(err) };
  }
  try {
    const assessment = await assessArtifact(src, { platform, allowDlopen });
    return { file, ok: assessment.reasons.length === 0, assessment };
  } finally {
    await src.close();
  }
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
