// Job events as buildx-like plain progress lines: `#N name`, `#N DONE`, log output,
// warnings, state changes and the result or error with its manifest line.
import { type JobEvent, stateName } from "./types.js";

export class PlainProgress {
  private readonly numbers = new Map<string, number>();

  private num(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  /** The vertex's name line the first time it shows up (BuildKit may report it already completed). */
  private named(digest: string, name: string): { n: number; head: string[] } {
    const first = !this.numbers.has(digest);
    const n = this.num(digest);
    return { n, head: first ? [`#${n} ${name}`] : [] };
  }

  lines(e: JobEvent): string[] {
    if (e.state) {
      const on = e.state.engine ? ` on ${e.state.engine}` : "";
      return [
        `job ${e.jobId}: ${stateName(e.state.state)}${on}${e.state.reason ? ` (${e.state.reason})` : ""}`,
      ];
    }
    if (e.vertex) {
      const v = e.vertex;
      const { n, head } = this.named(v.digest ?? "", v.name ?? "");
      if (v.state === "started") return head;
      if (v.state === "cached") return [...head, `#${n} CACHED`];
      if (v.state === "error") return [...head, `#${n} ERROR: ${v.error}`];
      return [...head, `#${n} DONE`];
    }
    if (e.log) {
      const n = this.num(e.log.vertex ?? "");
      return (e.log.data ?? "")
        .replace(/\n$/, "")
        .split("\n")
        .map((l) => `#${n} ${l}`);
    }
    if (e.warning) return [`WARNING: ${e.warning.short}`, ...(e.warning.detail ?? []).map((d) => `  ${d}`)];
    if (e.message) return [e.message];
    if (e.result) {
      const r = e.result;
      const pushed = (r.pushed ?? []).map((p) => `pushed ${p.ref}@${p.digest}`);
      return [`image ${r.imageId} (${r.size} bytes, ${r.warnings} warnings)`, ...pushed];
    }
    if (e.error) {
      const loc = e.error.location;
      const where = loc?.line
        ? [` --> ${loc.file}:${loc.line}:${loc.column}`, `${loc.line} | ${loc.sourceLine}`]
        : [];
      return [`ERROR: ${e.error.message}`, ...where];
    }
    return [];
  }
}
