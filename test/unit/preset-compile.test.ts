// The c and c++ presets compile each source on its own, in parallel, through ccache on a shared
// cache mount, then link once (src/plan/compile-link.ts). The generated script is run here under
// the host's /bin/sh with stand-in tools: a compiler that records what it is asked, and a ccache
// that writes the stats log the way ccache 4 does (`# <input>` then one counter id per line).
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pb } from "../../src/gen/proto.js";
import { manifestDefinition } from "../../src/graph/definition.js";
import { CCACHE_DIR, compileLinkScript } from "../../src/plan/compile-link.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { presetRecipe } from "../../src/plan/preset.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const CCACHE = { path: "/root/.cache/ccache", id: "scratchkit-ccache", sharing: "shared" };

describe("the c and c++ presets' recipe", () => {
  it.each([
    ["c", "apk", ["gcc", "musl-dev", "ccache"]],
    ["c", "apt", ["gcc", "musl-tools", "ccache"]],
    ["c", "none", []],
    ["c++", "apk", ["g++", "musl-dev", "ccache"]],
    ["c++", "apt", ["g++", "ccache"]],
    ["c++", "none", []],
  ] as const)(
    "%s on %s installs %j and keeps ccache's directory in a shared cache mount",
    (preset, pm, packages) => {
      const r = presetRecipe(preset, pm, "app");
      if (typeof r === "string") throw new Error(r);
      expect(r.packages).toEqual(packages);
      expect(r.cache).toEqual([CCACHE]);
      expect(Object.fromEntries(r.env)).toMatchObject({ CCACHE_DIR, CCACHE_DEPEND: "1" });
      expect(r.run).toHaveLength(1);
      const run = r.run[0] ?? "";
      expect(run).toContain("command -v ccache");
      expect(run).toContain('-P"$(nproc');
      expect(run).toMatch(/-static -s -o \/out\/app "\$o"\/\*\.o/);
    },
  );

  it("is the same text every time (the LLB stays byte-identical)", () => {
    const text = "preset: c\nname: hello\n";
    const a = manifestDefinition(loadManifest(text, "scratchkit.yaml"), { platform: AMD64 }).bytes;
    const b = manifestDefinition(loadManifest(text, "scratchkit.yaml"), { platform: AMD64 }).bytes;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("mounts the ccache directory as a shared cache with a stable id in the LLB", () => {
    const m = loadManifest("preset: c\nname: hello\n", "scratchkit.yaml");
    const def = pb.Definition.decode(manifestDefinition(m, { platform: AMD64 }).bytes);
    const execs = def.def.map((b) => pb.Op.decode(b)).flatMap((o) => (o.exec ? [o.exec] : []));
    const compile = execs.find((e) => e.meta?.args?.[2]?.includes("xargs"));
    expect(compile?.mounts?.find((x) => x.dest === CCACHE_DIR)).toMatchObject({
      mountType: pb.MountType.CACHE,
      cacheOpt: { ID: "scratchkit-ccache", sharing: pb.CacheSharingOpt.SHARED },
    });
    expect(compile?.meta?.env).toContain(`CCACHE_DIR=${CCACHE_DIR}`);
  });

  it("lets a manifest cache at ccache's path replace the preset's, and build.run replace the recipe", () => {
    const own = loadManifest(
      "preset: c\nname: hello\nbuild:\n  cache: [{path: /root/.cache/ccache, id: mine}]\n",
      "scratchkit.yaml",
    );
    expect(own.build.run[0]?.cache.map((c) => c.id)).toEqual(["mine"]);
    const run = loadManifest("preset: c\nname: hello\nbuild:\n  run: make\n", "scratchkit.yaml");
    expect(run.build.run.map((r) => [r.command.value, r.cache])).toEqual([["make", []]]);
  });
});

/** The tools the script needs from the host, and nothing else (no host ccache can sneak in). */
const HOST_TOOLS = [
  "sh",
  "find",
  "sort",
  "xargs",
  "mktemp",
  "printf",
  "grep",
  "sha256sum",
  "rm",
  "cat",
  "sleep",
  "ls",
  "mkdir",
  "cut",
];

/**
 * A project dir and a bin dir: `cc` records its argv (one line per call, NUL-free) and writes
 * its output (objects: the source's text; the link: the objects' text in argv order), so the
 * program's content shows the link order. `nproc` says 4. With `ccache`, a stand-in that logs
 * a hit when it saw the same source text before (in $CCACHE_DIR), else a miss.
 */
function sandbox(withCcache: boolean) {
  const root = mkdtempSync(join(tmpdir(), "scratchkit-preset-"));
  const bin = join(root, "bin");
  const src = join(root, "src");
  const out = join(root, "out");
  const cache = join(root, "ccache");
  for (const d of [bin, src, out, cache]) mkdirSync(d);
  for (const t of HOST_TOOLS) {
    const p = execFileSync("/bin/sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).trim();
    if (p.startsWith("/")) symlinkSync(p, join(bin, t));
  }
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}`);
    chmodSync(join(bin, name), 0o755);
  };
  tool("nproc", "echo 4\n");
  // Parallel compiles meet: each waits (up to 5 s) for a second one to be running.
  tool(
    "cc",
    `echo "cc $*" >> "${root}/calls"
out=; src=; prev=; for a; do [ "$prev" = -o ] && out=$a; [ "$a" = -o ] && src=$prev; prev=$a; done
case " $* " in
*" -c "*) : > "${root}/running.$$"
  n=0; while [ "$(ls "${root}" | grep -c '^running\\.')" -lt 2 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
  [ $n -lt 50 ] && echo met >> "${root}/parallel"
  cat "$src" > "$out"; sleep 0.2; rm -f "${root}/running.$$" ;;
" -v ") echo "cc version 1" ;;
*) for a; do case "$a" in *.o) cat "$a" ;; esac; done > "$out" ;;
esac
`,
  );
  if (withCcache)
    tool(
      "ccache",
      `src=; prev=; for a; do [ "$a" = -o ] && src=$prev; prev=$a; done; key=$(sha256sum < "$src" | cut -c1-16)
if [ -e "$CCACHE_DIR/$key" ]; then r=direct_cache_hit; else r=cache_miss; : > "$CCACHE_DIR/$key"; fi
printf '# %s\\n%s\\n' "$src" "$r" >> "$CCACHE_STATSLOG"
echo "ccache $*" >> "${root}/calls"
exec "$@"
`,
    );
  const run = (cc = "cc") => {
    const script = compileLinkScript({
      preset: "c",
      compiler: "CC",
      flags: "CFLAGS",
      patterns: ["*.c"],
      out: `${out}/app`,
    });
    return spawnSync("/bin/sh", ["-c", script], {
      cwd: src,
      encoding: "utf8",
      env: { PATH: bin, CC: cc, CFLAGS: "-Os", CCACHE_DIR: cache },
    });
  };
  return {
    root,
    bin,
    src,
    out,
    run,
    calls: () => readFileSync(join(root, "calls"), "utf8").trim().split("\n"),
  };
}

describe("the c preset's script, run", () => {
  // Names a shell would split, glob or run if they were ever unquoted.
  const files: Record<string, string> = {
    "main.c": "main\n",
    "b.c": "b\n",
    "a b.c": "a-space\n",
    "$(touch pwned).c": "dollar\n",
    "*.c": "star\n",
    "sub/z.c": "z\n",
  };
  const write = (dir: string) => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  // What `find . -name '*.c' | sort` lists, in the C locale's byte order.
  const sorted = Object.keys(files)
    .map((f) => `./${f}`)
    .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

  it("compiles every file once through ccache, in parallel, and links the objects in sorted source order", () => {
    const s = sandbox(true);
    write(s.src);
    const r = s.run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`preset c: ccache: 0 of ${sorted.length} compiles were cache hits`);
    // `$CC $CFLAGS -MD -c SOURCE -o OBJECT`: -MD feeds ccache's depend mode.
    const compiles = s.calls().filter((c) => c.startsWith("ccache cc -Os -MD -c ./"));
    expect(compiles.map((c) => c.replace(/^ccache cc -Os -MD -c (.*) -o [^ ]*$/, "$1")).sort()).toEqual(
      [...sorted].sort(),
    );
    expect(existsSync(join(s.root, "parallel"))).toBe(true);
    expect(existsSync(join(s.src, "pwned"))).toBe(false);
    // The link goes through the compiler driver (not ccache), with -static -s.
    expect(s.calls().filter((c) => c.includes("-static"))).toEqual([
      expect.stringMatching(/^cc -Os -static -s -o .*\/out\/app .*\/000000001\.o /),
    ]);
    // The program is the objects in the order `find | sort` gives the sources.
    expect(readFileSync(join(s.out, "app"), "utf8")).toBe(sorted.map((f) => files[f.slice(2)]).join(""));

    // The same sources again, one edited: the log counts the hits of this build only.
    writeFileSync(join(s.src, "b.c"), "b edited\n");
    const again = s.run();
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `preset c: ccache: ${sorted.length - 1} of ${sorted.length} compiles were cache hits`,
    );
  });

  it("wraps whatever CC names: a cross build's triple compiler compiles and links", () => {
    const s = sandbox(true);
    write(s.src);
    symlinkSync(join(s.bin, "cc"), join(s.bin, "aarch64-linux-musl-gcc"));
    const r = s.run("aarch64-linux-musl-gcc");
    expect(r.status, r.stderr).toBe(0);
    expect(s.calls().filter((c) => c.startsWith("ccache aarch64-linux-musl-gcc -Os -MD -c "))).toHaveLength(
      sorted.length,
    );
    expect(readFileSync(join(s.out, "app"), "utf8")).toBe(sorted.map((f) => files[f.slice(2)]).join(""));
  });

  it("compiles without ccache when the image has none, and says so", () => {
    const s = sandbox(false);
    write(s.src);
    const r = s.run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("preset c: the build image has no ccache: compiling without a cache");
    expect(r.stdout).not.toMatch(/cache hits/);
    expect(s.calls().filter((c) => c.startsWith("cc -Os -MD -c "))).toHaveLength(sorted.length);
    expect(readFileSync(join(s.out, "app"), "utf8")).toBe(sorted.map((f) => files[f.slice(2)]).join(""));
  });

  it("fails with the preset's own message when there is no source, and when a compile fails", () => {
    const empty = sandbox(true);
    const r = empty.run();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/preset c: no \*\.c file under /);
    const broken = sandbox(true);
    write(broken.src);
    writeFileSync(join(broken.root, "bin", "cc"), "#!/bin/sh\nexit 1\n");
    const b = broken.run();
    expect(b.status).not.toBe(0);
    expect(existsSync(join(broken.out, "app"))).toBe(false);
  });
});
