// Each lint rule: when it fires, where it points, and when it stays quiet.
import { describe, expect, it } from "vitest";
import { warnRequest } from "../../src/gateway/frontend-client.js";
import { lint, lintWarnings, ManifestLocator, RULES } from "../../src/lint/index.js";
import { programOf, simpleCommands } from "../../src/lint/shell.js";
import { loadManifest } from "../../src/plan/manifest.js";

/** A manifest from lines (line 1 is the syntax line, so YAML starts on line 2). */
function m(...lines: string[]) {
  return loadManifest(["# syntax=scratchkit/frontend:dev", ...lines, ""].join("\n"), "scratchkit.yaml");
}

const CLEAN = [
  "build:",
  "  image: scratchkit/toolchain:bookworm",
  "  package-manager: none",
  "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
  "essentials: [nonroot]",
];

function rules(manifest: ReturnType<typeof m>): string[] {
  return lint(manifest).map((f) => f.rule.name);
}

describe("lint rules", () => {
  it("a pinned, stripped, nonroot manifest has no findings", () => {
    expect(lint(m(...CLEAN))).toEqual([]);
  });

  it("every rule has a name, a description and a README anchor", () => {
    expect(RULES.map((r) => r.name)).toEqual([
      "UnpinnedBaseImage",
      "RunsAsRoot",
      "UnstrippedBuild",
      "ShellFormCommand",
    ]);
    for (const r of RULES) {
      expect(r.description).not.toBe("");
      expect(r.url).toBe(`https://github.com/scratchkit/scratchkit#${r.name.toLowerCase()}`);
    }
  });

  describe("UnpinnedBaseImage", () => {
    const withImage = (image: string) => m("build:", `  image: ${image}`, ...CLEAN.slice(2));

    it.each([
      "alpine",
      "alpine:latest",
      "registry.local:5000/tools/cc",
      "registry.local:5000/tools/cc:latest",
    ])("fires for %s, pointing at the value", (image) => {
      const [f] = lint(withImage(image));
      expect(f?.rule.name).toBe("UnpinnedBaseImage");
      expect(f?.span).toEqual({ line: 3, col: 10, endLine: 3, endCol: 9 + image.length });
      expect(f?.detail).toContain(`build.image ${image}`);
    });

    it.each(["alpine:3.22", "registry.local:5000/tools/cc:1.2", "alpine@sha256:" + "a".repeat(64)])(
      "is quiet for %s",
      (image) => {
        expect(rules(withImage(image))).toEqual([]);
      },
    );

    it("is quiet for the default build image (a pinned Alpine release)", () => {
      expect(
        rules(
          m("build:", "  run: cc -s -o /out/hello hello.c", "artifacts: [hello]", "essentials: [nonroot]"),
        ),
      ).toEqual([]);
    });
  });

  describe("RunsAsRoot", () => {
    it("fires when no user is set, pointing at the artifacts", () => {
      const [f] = lint(m(...CLEAN.slice(0, 5)));
      expect(f?.rule.name).toBe("RunsAsRoot");
      expect(f?.span).toMatchObject({ line: 6, endLine: 6 });
      expect(f?.detail).toBe(
        "target hello runs as root; add essentials: [nonroot] (uid 65532) or set image.user",
      );
    });

    it.each(["root", "0", "0:0", "root:wheel"])("fires for image.user %s, pointing at it", (user) => {
      const [f] = lint(m(...CLEAN.slice(0, 5), "image:", `  user: "${user}"`));
      expect(f?.rule.name).toBe("RunsAsRoot");
      expect(f?.span).toMatchObject({ line: 8, col: 3, endLine: 8 });
      expect(f?.detail).toContain(`sets image.user ${user}`);
    });

    it("is quiet for another user or the nonroot essential", () => {
      expect(rules(m(...CLEAN.slice(0, 5), "image:", "  user: '1000'"))).toEqual([]);
      expect(rules(m(...CLEAN))).toEqual([]);
    });

    it("judges each target, pointing at the targets that run as root", () => {
      const found = lint(
        m(
          ...CLEAN.slice(0, 5),
          "targets:",
          "  server:",
          "    artifacts: [hello]",
          "    essentials: [nonroot]",
          "  debug:",
          "    artifacts: [hello]",
        ),
      );
      expect(found.map((f) => [f.rule.name, f.span.line, f.detail.split(" ")[1]])).toEqual([
        ["RunsAsRoot", 6, "hello"],
        ["RunsAsRoot", 11, "debug"],
      ]);
    });
  });

  describe("UnstrippedBuild", () => {
    const withRun = (...run: string[]) =>
      m(
        "build:",
        "  image: scratchkit/toolchain:bookworm",
        "  package-manager: none",
        ...run,
        "artifacts: [hello]",
        "essentials: [nonroot]",
      );

    it.each([
      ["cc -static -o /out/hello hello.c", "cc"],
      ["musl-gcc -static -Os -o /out/hello hello.c", "musl-gcc"],
      ["CFLAGS=-O2 x86_64-linux-musl-gcc -o /out/hello hello.c", "x86_64-linux-musl-gcc"],
      ["cd src && /usr/bin/g++-12 -static -o /out/hello main.cpp", "g++-12"],
      ["clang -static -Wl,-S -o /out/hello hello.c", "clang"],
    ])("fires for %j", (run, prog) => {
      const [f] = lint(withRun(`  run: ${run}`));
      expect(f?.rule.name).toBe("UnstrippedBuild");
      expect(f?.detail).toMatch(new RegExp(`^${prog.replace(/\+/g, "\\+")} links without -s`));
      expect(f?.span).toMatchObject({ line: 5, col: 8 });
    });

    it("fires for go build without -ldflags -s", () => {
      const [f] = lint(withRun("  run: CGO_ENABLED=0 go build -o /out/hello ."));
      expect(f?.detail).toMatch(/^go build links without -ldflags/);
    });

    it.each([
      "cc -static -s -o /out/hello hello.c",
      "gcc -static -Wl,--strip-all -o /out/hello hello.c",
      "gcc -static -Wl,-s -o /out/hello hello.c",
      "gcc -c -o hello.o hello.c",
      "$CC -static -o /out/hello hello.c",
      "make",
      "echo 'cc -o /out/hello hello.c'",
      "go build -ldflags='-s -w' -o /out/hello .",
      'go build -ldflags "-w -s" -o /out/hello .',
      "cc -static -o /out/hello hello.c && strip /out/hello",
    ])("is quiet for %j", (run) => {
      expect(rules(withRun(`  run: ${JSON.stringify(run)}`))).toEqual([]);
    });

    it("is quiet when a later step strips", () => {
      expect(
        rules(withRun("  run:", "    - cc -static -o /out/hello hello.c", "    - strip /out/hello")),
      ).toEqual([]);
    });

    it("is quiet for the presets, which strip by construction", () => {
      for (const preset of ["c", "c++"]) {
        const manifest = m(
          `preset: ${preset}`,
          "name: hello",
          "build:",
          "  image: alpine:3.22",
          "essentials: [nonroot]",
        );
        expect(rules(manifest), preset).toEqual([]);
      }
    });
  });

  describe("ShellFormCommand", () => {
    it("fires for a shell as entrypoint, pointing at it", () => {
      const [f] = lint(m(...CLEAN, "image:", '  entrypoint: ["/bin/sh", "-c", "/hello"]'));
      expect(f?.rule.name).toBe("ShellFormCommand");
      expect(f?.span).toMatchObject({ line: 9, col: 3, endLine: 9 });
      expect(f?.detail).toContain("image.entrypoint starts /bin/sh, but a FROM scratch image has no shell");
    });

    it("fires for a shell as cmd when there is no entrypoint", () => {
      const [f] = lint(m(...CLEAN, "image:", '  cmd: ["bash", "-c", "/hello"]'));
      expect(f?.detail).toContain("image.cmd starts bash");
    });

    it("is quiet when the target ships that shell itself", () => {
      const manifest = m(
        ...CLEAN.slice(0, 4),
        "artifacts: [hello, {path: busybox, dest: /bin/sh}]",
        "essentials: [nonroot]",
        "image:",
        '  entrypoint: ["/bin/sh", "-c", "/hello"]',
      );
      expect(rules(manifest)).toEqual([]);
    });
  });

  it("lists findings in manifest order", () => {
    const manifest = m(
      "build:",
      "  image: alpine",
      "  run: cc -o /out/hello hello.c",
      "artifacts: [hello]",
      "image:",
      '  entrypoint: ["sh"]',
    );
    expect(lint(manifest).map((f) => [f.rule.name, f.span.line])).toEqual([
      ["UnpinnedBaseImage", 3],
      ["UnstrippedBuild", 4],
      ["RunsAsRoot", 5],
      ["ShellFormCommand", 7],
    ]);
  });
});

describe("shell reading for lint", () => {
  it("splits simple commands at operators and removes quotes", () => {
    expect(simpleCommands(`cd 'a b' && CC="x y" cc -o o c.c; echo $(ls | wc -l) # note\nstrip o`)).toEqual([
      ["cd", "a b"],
      ["CC=x y", "cc", "-o", "o", "c.c"],
      ["echo", "$(ls | wc -l)"],
      ["strip", "o"],
    ]);
  });

  it("finds the program past assignments and env/exec", () => {
    expect(programOf(["A=1", "env", "B=2", "exec", "gcc", "-o", "x"])).toEqual({
      program: "gcc",
      args: ["-o", "x"],
    });
    expect(programOf(["A=1"])).toBeUndefined();
  });
});

describe("lint findings as build warnings", () => {
  const manifest = m(...CLEAN.slice(0, 5));
  const source = {
    filename: "scratchkit.yaml",
    data: new TextEncoder().encode(manifest.source),
    language: "YAML",
  };

  it("are shaped like the Dockerfile linter's: Rule: detail (line N), description, URL, range", () => {
    const [found] = lintWarnings(manifest, source, "sha256:abc");
    expect(found).toBeDefined();
    // as the gateway sends it
    const w = found && warnRequest(found);
    const dec = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? undefined);
    expect(dec(w?.short)).toBe(
      "RunsAsRoot: target hello runs as root; add essentials: [nonroot] (uid 65532) or set image.user (line 6)",
    );
    expect(w?.detail?.map(dec)).toEqual(["The image should not run its program as root"]);
    expect(w?.url).toBe("https://github.com/scratchkit/scratchkit#runsasroot");
    expect(w?.digest).toBe("sha256:abc");
    expect(w?.level).toBe(1);
    expect(w?.info).toEqual(source);
    expect(w?.ranges).toEqual([{ start: { line: 6, character: 0 }, end: { line: 6, character: 18 } }]);
  });

  it("can leave out rules the build reports better itself", () => {
    const dec = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? undefined);
    const all = lintWarnings(manifest, source, "d").map((w) => dec(warnRequest(w).short).split(":")[0]);
    expect(all).toContain("RunsAsRoot");
    const some = lintWarnings(manifest, source, "d", { skip: ["RunsAsRoot"] }).map(
      (w) => dec(warnRequest(w).short).split(":")[0],
    );
    expect(some).not.toContain("RunsAsRoot");
    expect(some).toHaveLength(all.length - 1);
  });
});

describe("ManifestLocator", () => {
  it("reads a build arg's description from the comment above it or beside it", () => {
    const where = new ManifestLocator({
      source: "args:\n  # First one\n  A: x\n  # Second,\n  # two lines\n  B:\n  C: y # beside\n  D: z\n",
    });
    expect(where.argComment("A")).toBe("First one");
    expect(where.argComment("B")).toBe("Second, two lines");
    expect(where.argComment("C")).toBe("beside");
    expect(where.argComment("D")).toBeUndefined();
    expect(where.argComment("nope")).toBeUndefined();
  });
});
