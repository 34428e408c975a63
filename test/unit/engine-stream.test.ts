// The Engine API stream decoder on streams recorded from the real engine
// (fixtures/engine-streams/README.md).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { BuildEvent } from "../../src/engine/build-events.js";
import { EngineStreamDecoder } from "../../src/engine/engine-stream.js";
import { JsonLines } from "../../src/engine/json-lines.js";

const fixture = (name: string) => readFileSync(`test/unit/fixtures/engine-streams/${name}.jsonl`);

function decode(chunks: Buffer[]) {
  const d = new EngineStreamDecoder();
  const events: BuildEvent[] = [];
  for (const c of chunks) events.push(...d.push(c));
  events.push(...d.end());
  return { events, outcome: d.outcome };
}

const vertexes = (events: BuildEvent[]) =>
  events.filter((e): e is Extract<BuildEvent, { type: "vertex" }> => e.type === "vertex");

describe("a successful build stream (BuildKit's Dockerfile frontend)", () => {
  const raw = fixture("dockerfile-success");
  const { events, outcome } = decode([raw]);

  it("yields the image id from the moby.image.id aux and no error", () => {
    expect(outcome.error).toBeUndefined();
    expect(outcome.imageId).toBe("sha256:cac3631b4cc35c6a2c842978af76d46e2f99080e6f4d45e3de1a5cf35e02a82c");
  });

  it("reports each vertex started once and finished once, though BuildKit re-sends them", () => {
    const traceLines = raw
      .toString("utf8")
      .split("\n")
      .filter((l) => l.includes("moby.buildkit.trace"));
    const v = vertexes(events);
    expect(v.length).toBeLessThan(traceLines.length);
    const seen = new Set<string>();
    for (const e of v) {
      const key = `${e.digest} ${e.state === "started" ? "started" : "finished"}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    const run = v.filter((e) => e.name === "[3/3] RUN echo out && echo err >&2");
    expect(run.map((e) => e.state)).toEqual(["started", "completed"]);
    expect(Date.parse(run[1]?.completed ?? "")).toBeGreaterThanOrEqual(Date.parse(run[0]?.started ?? ""));
  });

  it("decodes the RUN's output per stream, attributed to its vertex", () => {
    const run = vertexes(events).find((e) => e.name.startsWith("[3/3] RUN"));
    const logs = events.filter((e) => e.type === "log");
    expect(logs).toEqual(
      expect.arrayContaining([
        { type: "log", vertex: run?.digest, stream: 1, data: "out\n" },
        { type: "log", vertex: run?.digest, stream: 2, data: "err\n" },
      ]),
    );
  });

  it("decodes the exporter's status counters", () => {
    const ids = events.flatMap((e) => (e.type === "status" ? [e.id] : []));
    expect(ids).toContain("exporting layers");
  });

  it("gives the same events and outcome when every byte boundary is a chunk boundary", () => {
    const bytes = Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1));
    expect(JSON.stringify(decode(bytes))).toBe(JSON.stringify({ events, outcome }));
  });
});

describe("a failed build stream", () => {
  it("is a failure with the errorDetail message verbatim, though HTTP said 200", () => {
    const { outcome } = decode([fixture("no-local-sources")]);
    expect(outcome.imageId).toBeUndefined();
    expect(outcome.error?.message).toBe(
      "NotFound: cannot read the manifest scratchkit.yaml: ReadFile: no local sources enabled",
    );
    expect(outcome.error?.name).toBe("EngineBuildError");
  });

  it("keeps errorDetail.code and falls back to the bare error string", () => {
    const a = decode([Buffer.from('{"errorDetail":{"code":1,"message":"boom"},"error":"boom"}\n')]).outcome;
    expect([a.error?.message, a.error?.code]).toEqual(["boom", 1]);
    const b = decode([Buffer.from('{"error":"bare"}')]).outcome;
    expect([b.error?.message, b.error?.code]).toEqual(["bare", undefined]);
  });
});

describe("a push stream (containerd image store)", () => {
  const { events, outcome } = decode([fixture("push")]);

  it("yields the pushed digest from the status line (this store sends no aux)", () => {
    expect(outcome.error).toBeUndefined();
    expect(outcome.digest).toBe("sha256:0aa931ebe41c9487c392d49f566ec51c67d4901910ad15252375c433d449001c");
  });

  it("gives the same result split in two at any byte", () => {
    const raw = fixture("push");
    const whole = JSON.stringify({ events, outcome });
    for (let i = 1; i < raw.length; i++) {
      const split = decode([raw.subarray(0, i), raw.subarray(i)]);
      if (JSON.stringify(split) !== whole) expect.fail(`split at byte ${i} decodes differently`);
    }
  });

  it("turns progressDetail into counters and the rest into messages", () => {
    expect(events).toContainEqual({
      type: "status",
      vertex: "",
      id: "b34587396f59",
      current: 4195230,
      total: 4195230,
    });
    expect(events).toContainEqual({ type: "message", text: "b34587396f59: Pushed" });
    expect(events[0]).toEqual({
      type: "message",
      text: "The push refers to repository [127.0.0.1:5000/engineapi/fixture]",
    });
  });
});

describe("JsonLines", () => {
  it("parses CRLF lines, skips blank ones and keeps a last line without a newline for end()", () => {
    const j = new JsonLines();
    expect(j.push('{"a":1}\r\n\n{"b"')).toEqual([{ a: 1 }]);
    expect(j.push(":2}")).toEqual([]);
    expect(j.end()).toEqual([{ b: 2 }]);
  });

  it("joins a UTF-8 character split across chunks", () => {
    const bytes = Buffer.from('{"stream":"é"}\n');
    const j = new JsonLines();
    const cut = bytes.indexOf(0xc3) + 1;
    expect([...j.push(bytes.subarray(0, cut)), ...j.push(bytes.subarray(cut))]).toEqual([{ stream: "é" }]);
  });

  it("says which line is not JSON", () => {
    expect(() => new JsonLines().push("<html>\n")).toThrow("the engine sent a line that is not JSON: <html>");
  });
});
