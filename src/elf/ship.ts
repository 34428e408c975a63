import type { Report } from "./types.js";

const list = (xs: string[]) => (xs.length > 0 ? xs.join(", ") : "nothing");

/**
 * Whether the artifact can run in a FROM scratch image (no loader, no libc, no shell).
 * Non-ELF data is fine; anything needing something the image lacks, or built for another
 * platform, is not. Each reason reads after "<file> is ", for build logs.
 */
export function canShipInScratch(r: Report): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const v = r.verdict;
  switch (v.kind) {
    case "static":
    case "static-pie":
    case "not-elf":
      break;
    case "dynamic":
      reasons.push(
        v.interpreter === undefined
          ? `dynamically linked without an interpreter (no PT_INTERP), needs ${list(v.needed)}`
          : `dynamically linked: interpreter ${v.interpreter}, needs ${list(v.needed)}`,
      );
      break;
    case "shared-library":
      reasons.push(
        `a shared library, not a standalone executable${v.needed.length ? `; needs ${list(v.needed)}` : ""}`,
      );
      break;
    case "script":
      reasons.push(
        v.interpreter
          ? `a script for ${v.interpreter}, which a scratch image does not have`
          : "a script with an empty #! line",
      );
      break;
    case "invalid":
      reasons.push(`not a valid ELF file: ${v.reason}`);
      break;
  }
  if (r.archMismatch) {
    reasons.push(`built for ${r.archMismatch.found}, but the target platform is ${r.archMismatch.expected}`);
  }
  return { ok: reasons.length === 0, reasons };
}
