// One artifact's whole verdict: linkage (64 KiB budget), then, for glibc statics only, the
// NSS/dlopen scan (its own budget). Shared by the frontend's gate and `scratchkit check-elf`.
import {
  type ByteSource,
  canShipInScratch,
  type HazardOptions,
  type HazardScan,
  inspectElf,
  needsHazardScan,
  type Platform,
  type Report,
  scanGlibcHazard,
} from "../elf/index.js";

export type FindingKind = "nss" | "dlopen" | "scan-incomplete" | "unstripped" | "rpath";

/** Something worth telling the user that does not stop the artifact from shipping. */
export interface Finding {
  kind: FindingKind;
  /** Reads after "<file> ", like the gate's reasons. */
  short: string;
  detail: string[];
}

export interface Assessment {
  report: Report;
  /** Present when the glibc scan ran. */
  hazard?: HazardScan;
  /** Fatal reasons, each reading after "<file> is " / "<file> ". Empty = may ship. */
  reasons: string[];
  /** The fix for the first reason, for messages. */
  fix?: string;
  findings: Finding[];
  /** Bytes read in total (verdict + scan) and wall time, for the log. */
  bytesRead: number;
  ms: number;
  /** Wall time of the linkage verdict alone (its bytes are report.bytesRead). */
  verdictMs: number;
}

export interface AssessOptions {
  platform?: Platform;
  /** The manifest's allow-dlopen: the NSS/dlopen hazard becomes a finding instead of a reason. */
  allowDlopen?: boolean;
  /**
   * A file inside a directory artifact with allow-dlopen: the modules a program dlopens are
   * shared libraries, so that verdict is not a reason (dynamic programs still are).
   */
  allowSharedLibrary?: boolean;
  hazard?: HazardOptions;
}

/** Reads after "<file> is ": an artifact with neither an ELF header nor "#!" runs nowhere. */
export const NOT_ELF_REASON = "not an ELF program (no ELF header and no #! line)";
const NOT_ELF_FIX = "ship a compiled, statically linked executable; data files go under data";

export const MUSL_FIX =
  "link against musl instead: musl-gcc -static, or build on Alpine (musl is its default libc)";

export async function assessArtifact(src: ByteSource, opts: AssessOptions = {}): Promise<Assessment> {
  const start = performance.now();
  const report = await inspectElf(src, opts.platform ? { platform: opts.platform } : {});
  const verdictMs = performance.now() - start;
  const ship = canShipInScratch(report);
  const kind = report.verdict.kind;
  // canShipInScratch judges linkage only; being a program at all is this gate's rule.
  // glibc's libc.so.6 has a PT_INTERP (it runs, to print its version) and a soname: a library.
  const library = kind === "shared-library" || (kind === "dynamic" && report.soname !== undefined);
  const reasons = library && opts.allowSharedLibrary ? ship.reasons.slice(1) : [...ship.reasons];
  if (kind === "not-elf") reasons.unshift(NOT_ELF_REASON);
  const findings: Finding[] = [];
  let fix = reasons.length === 0 ? undefined : kind === "not-elf" ? NOT_ELF_FIX : linkageFix(report);
  let hazard: HazardScan | undefined;
  // Only a program that would otherwise ship is worth the scan.
  if (reasons.length === 0 && needsHazardScan(report)) {
    hazard = await scanGlibcHazard(src, opts.hazard);
    const h = hazardFindings(hazard);
    if (opts.allowDlopen) findings.push(...h);
    else {
      // Reasons read after "<file> is ", findings after "<file> ".
      for (const f of h)
        if (f.kind !== "scan-incomplete")
          reasons.push(`${f.short.replace(/^is /, "")}: ${f.detail.join(" ").replace(/\.$/, "")}`);
      findings.push(...h.filter((f) => f.kind === "scan-incomplete"));
      if (reasons.length > 0)
        fix = `${MUSL_FIX}; or set allow-dlopen: true on the artifact if you ship the modules`;
    }
  }
  findings.push(...hygieneFindings(report));
  return {
    report,
    ...(hazard ? { hazard } : {}),
    reasons,
    ...(fix ? { fix } : {}),
    findings,
    bytesRead: report.bytesRead + (hazard?.bytesRead ?? 0),
    ms: performance.now() - start,
    verdictMs,
  };
}

function linkageFix(r: Report): string {
  const k = r.verdict.kind;
  if (k === "dynamic" || k === "shared-library")
    return "a FROM scratch image has no shared libraries — link with -static";
  if (k === "script") return "a FROM scratch image has no interpreter to run it — ship a compiled program";
  if (r.archMismatch) return "build for the target platform";
  return "ship a statically linked executable";
}

/** The hazard as findings; the caller decides whether they are fatal. */
export function hazardFindings(h: HazardScan): Finding[] {
  const out: Finding[] = [];
  if (h.nss.length > 0) {
    out.push({
      kind: "nss",
      short: "is statically linked against glibc but uses NSS",
      detail: [
        `it contains ${h.nss.map((m) => `"${m}"`).join(", ")}: getaddrinfo(), gethostbyname(), getpwnam(), getgrnam() and friends dlopen libnss_*.so (and read /etc/nsswitch.conf) at run time, even in a -static build, and a FROM scratch image has neither, so those calls fail there.`,
      ],
    });
  }
  if (h.libraries.length > 0) {
    out.push({
      kind: "dlopen",
      short: "is statically linked against glibc but names shared libraries it may dlopen",
      detail: [
        `it contains ${h.libraries.join(", ")}; a static glibc program can still dlopen() them at run time, and a FROM scratch image has no shared libraries.`,
      ],
    });
  }
  if (!h.complete) {
    out.push({
      kind: "scan-incomplete",
      short: `was only partly scanned for glibc NSS use (first ${h.bytesRead} bytes)`,
      detail: [
        "the scan cap was reached before the end of the file; NSS markers later in it were not looked for.",
      ],
    });
  }
  return out;
}

/** Non-fatal findings from the headers alone. */
export function hygieneFindings(r: Report): Finding[] {
  const out: Finding[] = [];
  if (r.stripped === false) {
    const saving = r.strippableBytes ?? 0;
    out.push({
      kind: "unstripped",
      short: `is not stripped${saving > 0 ? `: stripping saves about ${formatBytes(saving)}` : ""}`,
      detail: [
        "symbol tables and debug info are never used at run time in a scratch image; link with -s or run strip --strip-all (keep an unstripped copy elsewhere for debugging).",
      ],
    });
  }
  const paths = [
    ...(r.rpath ?? []).map((p) => `RPATH ${p}`),
    ...(r.runpath ?? []).map((p) => `RUNPATH ${p}`),
  ];
  if (paths.length > 0) {
    out.push({
      kind: "rpath",
      short: `has ${paths.join(", ")}`,
      detail: [
        "a library search path means nothing in a scratch image with no libraries; drop -Wl,-rpath (it can also leak build paths).",
      ],
    });
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
