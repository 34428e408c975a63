// The in-memory FrontendClient answers as BuildKit does: each recorded LLBBridge answer
// (fixtures/bridge-file-errors.json, recorded-context.ts) replayed against the same tree.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BridgeCallError } from "../../src/gateway/client.js";
import { MemoryRef, MOUNT } from "./fixtures/memory-client.js";
import {
  CONTEXT_ROOT,
  CONTEXT_SUB,
  readDirMissing,
  readDirNotADirectory,
} from "./fixtures/recorded-context.js";

interface Answer {
  method: "ReadFile" | "StatFile" | "ReadDir";
  path: string;
  error?: { code: number; message: string; details: string[] };
  ok?: { path: string; mode: number; size: number };
}
const RECORDED = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures/bridge-file-errors.json"), "utf8"),
) as { answers: Answer[] };

// The probe's context: hello.c (13 bytes) and sub/a.txt.
const ref = () => new MemoryRef("context", { "hello.c": "int main(){}\n", "sub/a.txt": "a\n" });
const call = (r: MemoryRef, a: Answer) =>
  a.method === "ReadFile"
    ? r.readFile(a.path)
    : a.method === "StatFile"
      ? r.statFile(a.path)
      : r.readDir(a.path);
/** BuildKit's temporary mount directory differs per call and per engine. */
const unmounted = (m: string) => m.replace(/\/(?:var\/lib\/docker\/)?tmp\/buildkit-mount\d+/g, "<mount>");

describe("the in-memory ref answers as BuildKit recorded", () => {
  it.each(RECORDED.answers.filter((a) => a.error))("$method $path fails as recorded", async (a) => {
    const err = await call(ref(), a).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BridgeCallError);
    const e = err as BridgeCallError;
    expect([e.method, e.code, unmounted(e.status.message)]).toEqual([
      a.method,
      a.error?.code,
      unmounted(a.error?.message ?? ""),
    ]);
    expect(e.status.details.map((d) => d.type_url)).toEqual(a.error?.details);
  });

  it.each(RECORDED.answers.filter((a) => a.ok))("$method $path answers as recorded", async (a) => {
    const st = (await call(ref(), a)) as { path: string; mode: number; size: number };
    expect({ path: st.path, mode: st.mode, size: st.size }).toEqual({
      path: a.ok?.path,
      mode: a.ok?.mode,
      size: a.ok?.size,
    });
  });

  it("lists a directory as the engine did (names, Go FileModes, sizes, sorted)", async () => {
    const r = new MemoryRef("context", {
      "hello.c": "x".repeat(13),
      "scratchkit.yaml": "y".repeat(49),
      "sub/a.txt": "a\n",
    });
    const pick = (xs: Array<{ path: string; mode: number; size: number }>) =>
      xs.map(({ path, mode, size }) => ({ path, mode, size }));
    expect(pick(await r.readDir("/"))).toEqual(pick(CONTEXT_ROOT));
    expect(pick(await r.readDir("/sub"))).toEqual(pick(CONTEXT_SUB));
  });

  it("fails ReadDir on a missing path and on a file with the engine's messages", async () => {
    const r = ref();
    const message = (p: Promise<unknown>) =>
      p.then(
        () => "",
        (e: BridgeCallError) => unmounted(e.status.message),
      );
    expect(await message(r.readDir("/nodir"))).toBe(unmounted(readDirMissing("nodir").message));
    expect(await message(r.readDir("/hello.c"))).toBe(unmounted(readDirNotADirectory("hello.c").message));
    expect(MOUNT).toMatch(/buildkit-mount\d+$/);
  });

  it("reads ranges, and follows links inside its root", async () => {
    const r = new MemoryRef("out", {
      prog: "0123456789",
      "bin/link": { mode: (2 ** 27) | 0o777, linkname: "../prog" },
    });
    expect(new TextDecoder().decode(await r.readFile("/prog", { offset: 2, length: 3 }))).toBe("234");
    expect(new TextDecoder().decode(await r.readFile("/bin/link"))).toBe("0123456789");
    expect((await r.statFile("/bin/link")).linkname).toBe("../prog");
  });
});
