// The gate's read-ahead (src/frontend/gate-reads.ts): the artifacts' first bytes are asked for
// at once, and every read the gate makes answers exactly what the ref itself answers.
import { describe, expect, it } from "vitest";
import { READ_AHEAD_BYTES, READ_AHEAD_FILES, readingAhead } from "../../src/frontend/gate-reads.js";
import type { Artifact } from "../../src/manifest/types.js";
import { GO_SYMLINK, MemoryRef } from "./fixtures/memory-client.js";

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);
const SMALL = bytes(17_000, 1);
const BIG = bytes(100_000, 2);

function artifact(path: string): Artifact {
  return { path, dest: `/${path}`, allowDlopen: false, span: { line: 1, col: 1, endLine: 1, endCol: 2 } };
}

function outRef() {
  return new MemoryRef("output", {
    hello: SMALL,
    big: BIG,
    "bin/prog": SMALL,
    link: { mode: GO_SYMLINK + 0o777, linkname: "big" },
  });
}

const fileReads = (ref: MemoryRef) => ref.calls.filter((c) => c.method === "ReadFile").map((c) => c.path);

describe("the gate's read-ahead", () => {
  it("asks for every artifact's head at once, before the gate reads anything", () => {
    const ref = outRef();
    readingAhead(ref, ["hello", "big", "bin", "link", "hello"].map(artifact));
    expect(fileReads(ref)).toEqual(["/hello", "/big", "/bin", "/link"]);
  });

  it("answers reads inside a head without another ReadFile, with the ref's own bytes", async () => {
    const ref = outRef();
    const read = readingAhead(ref, ["hello", "big"].map(artifact));
    const direct = new MemoryRef("output", { hello: SMALL, big: BIG });
    // The whole small program (its head is short: the file ends there), and past its end.
    expect(await read("hello", 0, SMALL.length)).toEqual(await direct.readFile("/hello"));
    expect(await read("hello", 16_000, 4096)).toEqual(
      await direct.readFile("/hello", { offset: 16_000, length: 4096 }),
    );
    expect(await read("hello", 20_000, 10)).toEqual(new Uint8Array(0));
    expect(await read("big", 0, 4096)).toEqual(await direct.readFile("/big", { offset: 0, length: 4096 }));
    expect(fileReads(ref)).toEqual(["/hello", "/big"]);
  });

  it("reads from the ref what a head does not cover: past a long file's head, or another path", async () => {
    const ref = outRef();
    const read = readingAhead(ref, ["big", "bin", "link"].map(artifact));
    expect(await read("big", READ_AHEAD_BYTES - 10, 20)).toEqual(
      BIG.subarray(READ_AHEAD_BYTES - 10, READ_AHEAD_BYTES + 10),
    );
    // A directory artifact's head failed: its files are read at their own paths.
    expect(await read("bin/prog", 0, 4096)).toEqual(SMALL.subarray(0, 4096));
    // The gate reads a link's target by the target's path: the link's head is not used for it.
    expect(await read("big", 0, 10)).toEqual(BIG.subarray(0, 10));
    expect(fileReads(ref)).toEqual(["/big", "/bin", "/link", "/big", "/bin/prog"]);
  });

  it("reads ahead at most READ_AHEAD_FILES artifacts", () => {
    const ref = outRef();
    readingAhead(
      ref,
      Array.from({ length: READ_AHEAD_FILES + 4 }, (_, i) => artifact(`p${i}`)),
    );
    expect(fileReads(ref)).toHaveLength(READ_AHEAD_FILES);
  });

  it("lets a read the head cannot answer fail as the ref fails it", async () => {
    const ref = outRef();
    const read = readingAhead(ref, [artifact("gone")]);
    await expect(read("gone", 0, 64)).rejects.toThrow(/no such file or directory/);
  });
});
