// The glibc NSS / dlopen hazard: a glibc `-static` program still dlopens libnss_*.so when it calls
// getaddrinfo(), getpwnam(), getgrnam()... and a FROM scratch image has none of them. The ELF
// headers cannot show this, so the file's bytes are scanned for the strings glibc's NSS code
// carries — a separate, explicitly bounded scan, run only for glibc static binaries.
import { BoundedReader } from "./reader.js";
import { scanRegions } from "./scan-regions.js";
import type { ByteSource, Report } from "./types.js";

/** Bytes per read: one ReadFile round trip in the frontend. */
export const HAZARD_CHUNK = 65536;
/**
 * Cap of the scan, headers included (16 chunks). A glibc static program's .rodata is 110–130 KB;
 * only a stripped program with more than about 1 MiB of constants (or an unstripped one with that
 * much in small objects and literals) reaches it, and then the scan says it is incomplete (a
 * warning).
 */
export const HAZARD_BUDGET = 1 << 20;

/**
 * Strings only glibc's NSS code contains (checked against gcc -static builds: puts/printf/iconv/
 * dlopen programs have none; getaddrinfo/getpwnam programs have all). Deliberately absent:
 * "gconv", "__libc_dlopen", "ld.so.cache" — every glibc static binary carries those (stdio pulls
 * in gconv and the static dlopen machinery), so they would flag everything.
 */
export const NSS_MARKERS = ["libnss_", "nsswitch.conf", "_nss_"] as const;

/** Strings that confirm glibc (tunables and its ld.so.cache format), reported for the record. */
const GLIBC_MARKERS = ["GLIBC_TUNABLES", "glibc-ld.so.cache"] as const;

/**
 * A library file name such as "libm.so.6" inside a glibc static binary is what dlopen() is
 * called with. glibc's own names (libc.so.6, ld-linux*.so.2) appear in every such binary;
 * libnss_ and libidn2 (getaddrinfo's IDN support) are part of the NSS finding.
 */
const LIB_NAME = /^lib[A-Za-z0-9_+.-]*\.so(\.[0-9]+)*$/;
const OWN_LIBS = /^(libc\.so|libnss_|libidn2\.so)/;
const MAX_LIBS = 8;
/** Longest string we look at around a ".so": library names are short; anything longer is noise. */
const MAX_NAME = 96;

export interface HazardScan {
  /** NSS markers found, in NSS_MARKERS order. */
  nss: string[];
  /** Library names that look dlopened (at most 8). */
  libraries: string[];
  /** Whether glibc's own strings were seen (a cross-check of the ABI-tag detection). */
  glibcConfirmed: boolean;
  /** Bytes read: headers (and the symbol table when read) plus the ranges scanned; never above the budget. */
  bytesRead: number;
  /** false when the cap, a read error or unreadable headers stopped the scan early. */
  complete: boolean;
}

export interface HazardOptions {
  /** Total bytes the scan may read (default HAZARD_BUDGET). */
  budget?: number;
  /** Bytes per read (default HAZARD_CHUNK). */
  chunk?: number;
}

/**
 * Glibc is detected by its NT_GNU_ABI_TAG note (crt1.o/rcrt1.o's .note.ABI-tag): musl, Go and
 * the like emit none, so they skip the scan entirely. Only static programs need it — a dynamic
 * one already fails the gate.
 */
export function needsHazardScan(r: Report): boolean {
  const k = r.verdict.kind;
  return (k === "static" || k === "static-pie") && r.abiTag !== undefined;
}

/**
 * Scans where string literals live (./scan-regions.ts: .rodata minus big data objects, or the
 * read-only data segments) in file order, one chunk per read, until an NSS marker, their end, or
 * the budget: code, .data, .eh_frame and debug info cost nothing, so a 50 MB program reads what
 * a small one does. Never throws: a failing source or unparsable headers end the scan as
 * incomplete. Chunks overlap by twice the longest string we match, so a marker split across two
 * reads is still found.
 */
export async function scanGlibcHazard(src: ByteSource, opts: HazardOptions = {}): Promise<HazardScan> {
  const budget = positive(opts.budget, HAZARD_BUDGET);
  const chunk = Math.min(positive(opts.chunk, HAZARD_CHUNK), budget);
  const found: Found = { nss: new Set<string>(), libraries: new Set<string>(), glibc: false };
  const headers = new BoundedReader(src, budget);
  const regions = await scanRegions(headers, budget);
  let bytesRead = headers.bytesRead;
  let complete = regions !== undefined;
  scan: for (const region of regions ?? []) {
    let carry: Buffer = Buffer.alloc(0);
    for (let pos = region.offset; pos < region.offset + region.length; ) {
      const want = Math.min(chunk, region.offset + region.length - pos, budget - bytesRead);
      if (want <= 0) {
        complete = false; // the cap, not the end of the segments, stopped us
        break scan;
      }
      let got: Uint8Array;
      try {
        got = await src.read(pos, want);
      } catch {
        complete = false; // unreadable: say incomplete rather than fail the build on a scan
        break scan;
      }
      if (!(got instanceof Uint8Array)) {
        complete = false;
        break scan;
      }
      if (got.length > want) got = got.subarray(0, want);
      bytesRead += want;
      const bytes = Buffer.from(got.buffer, got.byteOffset, got.byteLength);
      const window = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
      scanWindow(window, found);
      // An NSS marker establishes the hazard; reading on would change nothing.
      if (found.nss.size > 0 || got.length < want) break scan;
      pos += want;
      // Twice the longest name: every ".so" in the carried tail then has its whole string in view.
      carry = Buffer.from(window.subarray(Math.max(0, window.length - 2 * MAX_NAME)));
    }
  }
  return {
    nss: NSS_MARKERS.filter((m) => found.nss.has(m)),
    libraries: [...found.libraries].sort(),
    glibcConfirmed: found.glibc,
    bytesRead,
    complete,
  };
}

function positive(v: number | undefined, fallback: number): number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

interface Found {
  nss: Set<string>;
  libraries: Set<string>;
  glibc: boolean;
}

function scanWindow(w: Buffer, found: Found): void {
  for (const m of NSS_MARKERS) if (!found.nss.has(m) && w.includes(m, 0, "latin1")) found.nss.add(m);
  if (!found.glibc) found.glibc = GLIBC_MARKERS.some((m) => w.includes(m, 0, "latin1"));
  if (found.libraries.size >= MAX_LIBS) return;
  // Each ".so" is a candidate: widen it to its NUL-delimited string and keep file names that fit.
  for (let at = w.indexOf(".so", 0, "latin1"); at >= 0; at = w.indexOf(".so", at + 3, "latin1")) {
    const name = stringAround(w, at);
    if (name === undefined) continue;
    const base = name.slice(name.lastIndexOf("/") + 1);
    if (LIB_NAME.test(base) && !OWN_LIBS.test(base)) {
      found.libraries.add(base);
      if (found.libraries.size >= MAX_LIBS) return;
    }
  }
}

/** The printable string containing position `at`, delimited by NUL or non-printable bytes. */
function stringAround(w: Buffer, at: number): string | undefined {
  const printable = (b: number | undefined) => b !== undefined && b >= 0x20 && b < 0x7f;
  let start = at;
  while (start > 0 && at - start < MAX_NAME && printable(w[start - 1])) start--;
  let end = at;
  while (end < w.length && end - at < MAX_NAME && printable(w[end])) end++;
  // Only whole C strings: NUL before (or chunk start) and NUL after.
  if (end >= w.length || w[end] !== 0) return undefined;
  if (start > 0 && w[start - 1] !== 0) return undefined;
  return w.toString("latin1", start, end);
}
