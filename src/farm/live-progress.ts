// Job events as a buildx-like live view for a terminal: finished vertices, logs and messages
// scroll above a block that is redrawn in place, listing the vertices still running with
// their elapsed time. Plain lines (PlainProgress) are for anything that is not a TTY.
import { PlainProgress } from "./progress.js";
import type { JobEvent } from "./types.js";

/** What the view needs of a terminal stream (process.stderr on a TTY). */
export interface TtyStream {
  write(s: string): unknown;
  columns?: number;
}

interface Running {
  n: number;
  name: string;
  since: number;
}

export class LiveProgress {
  private readonly plain = new PlainProgress();
  private readonly running = new Map<string, Running>();
  private readonly numbers = new Map<string, number>();
  /** Lines of the live block now on screen, erased before the next draw. */
  private drawn = 0;

  constructor(
    private readonly tty: TtyStream,
    private readonly now: () => number = Date.now,
  ) {}

  event(e: JobEvent): void {
    const above: string[] = [];
    if (e.vertex) {
      const v = e.vertex;
      const digest = v.digest ?? "";
      const n = this.numbers.get(digest) ?? this.numbers.size + 1;
      this.numbers.set(digest, n);
      if (v.state === "started") {
        if (!this.running.has(digest)) this.running.set(digest, { n, name: v.name ?? "", since: this.now() });
      } else {
        const r = this.running.get(digest);
        this.running.delete(digest);
        const took = r ? ` ${((this.now() - r.since) / 1000).toFixed(1)}s` : "";
        const end =
          v.state === "cached" ? "CACHED" : v.state === "error" ? `ERROR: ${v.error}` : `DONE${took}`;
        above.push(`#${n} ${v.name ?? ""} ${end}`);
      }
      // Keep PlainProgress's numbering in step for the log lines it formats.
      this.plain.lines(e);
    } else {
      above.push(...this.plain.lines(e));
    }
    this.draw(above);
  }

  /** Redraws the running block now (a timer calls this so elapsed times move). */
  tick(): void {
    this.draw([]);
  }

  /** Erases the live block, leaving only the scrolled lines. */
  end(): void {
    this.tty.write(this.erase());
    this.drawn = 0;
  }

  private erase(): string {
    return this.drawn ? `\x1b[${this.drawn}A\r\x1b[J` : "";
  }

  private draw(above: string[]): void {
    const width = Math.max(20, this.tty.columns ?? 80);
    const fit = (l: string) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l);
    const block = [...this.running.values()]
      .sort((a, b) => a.n - b.n)
      .map((r) => `=> #${r.n} ${r.name} ${((this.now() - r.since) / 1000).toFixed(1)}s`);
    const lines = [...above, ...block].map(fit);
    this.tty.write(this.erase() + lines.map((l) => `${l}\n`).join(""));
    this.drawn = block.length;
  }
}
