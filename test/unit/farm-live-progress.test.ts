// The farm CLI's live terminal view, against a fake TTY stream that records what is written.
import { describe, expect, it } from "vitest";
import { LiveProgress } from "../../src/farm/live-progress.js";
import type { JobEvent } from "../../src/farm/types.js";

function fakeTty(columns = 80) {
  const writes: string[] = [];
  return { tty: { columns, write: (s: string) => writes.push(s) }, writes };
}

const vertex = (digest: string, name: string, state: string): JobEvent =>
  ({ jobId: "j1", vertex: { digest, name, state } }) as JobEvent;

describe("LiveProgress", () => {
  it("redraws the running vertices in place and scrolls finished ones above them", () => {
    let t = 0;
    const { tty, writes } = fakeTty();
    const live = new LiveProgress(tty, () => t);
    live.event(vertex("a", "load manifest", "started"));
    t = 500;
    live.event(vertex("b", "compile hello.c", "started"));
    t = 1500;
    live.event(vertex("a", "load manifest", "completed"));
    live.event({ jobId: "j1", log: { vertex: "b", stream: 1, data: "cc hello.c\n" } } as JobEvent);
    live.end();
    expect(writes[0]).toBe("=> #1 load manifest 0.0s\n");
    // The one-line block is erased (cursor up 1, clear down) before two running lines are drawn.
    expect(writes[1]).toBe("\x1b[1A\r\x1b[J=> #1 load manifest 0.5s\n=> #2 compile hello.c 0.0s\n");
    expect(writes[2]).toBe("\x1b[2A\r\x1b[J#1 load manifest DONE 1.5s\n=> #2 compile hello.c 1.0s\n");
    expect(writes[3]).toBe("\x1b[1A\r\x1b[J#2 cc hello.c\n=> #2 compile hello.c 1.0s\n");
    expect(writes[4]).toBe("\x1b[1A\r\x1b[J");
  });

  it("cuts lines to the terminal's width and marks cached and failed vertices", () => {
    const { tty, writes } = fakeTty(24);
    const live = new LiveProgress(tty, () => 0);
    live.event(vertex("a", "a very long vertex name indeed", "cached"));
    live.event(vertex("b", "gate", "error"));
    expect(writes[0]).toBe("#1 a very long vertex …\n");
    expect(writes[1]).toMatch(/^#2 gate ERROR/);
  });
});
