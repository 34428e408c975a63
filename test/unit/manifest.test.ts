import { describe, expect, it } from "vitest";
import { DEFAULT_BUILD_IMAGE, ManifestError, parseManifest } from "../../src/manifest/index.js";

const F = "scratchkit.yaml";

function errorsOf(text: string): string[] {
  try {
    parseManifest(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message.split("\n");
  }
  throw new Error("expected the manifest to be rejected");
}

describe("manifest v1", () => {
  it("reads the three-line hello with Alpine defaults", () => {
    const m = parseManifest(
      "# syntax=scratchkit/frontend:dev\nbuild:\n  packages: [gcc, musl-dev]\n  run: cc -static -Os -o /out/hello hello.c\nartifacts: [hello]\n",
      F,
    );
    expect(m.build.image.value).toBe(DEFAULT_BUILD_IMAGE);
    expect(DEFAULT_BUILD_IMAGE).toMatch(/^alpine:3\.\d+$/);
    expect(m.build.packageManager.value).toBe("apk");
    expect(m.build.packages.map((p) => p.value)).toEqual(["gcc", "musl-dev"]);
    expect(m.build.run).toHaveLength(1);
    expect(m.build.run[0]?.command.span.line).toBe(4);
    expect(m.targets[0]?.artifacts).toEqual([
      { path: "hello", dest: "/hello", allowDlopen: false, span: expect.objectContaining({ line: 5 }) },
    ]);
    expect(m.targets[0]?.image.entrypoint).toEqual(["/hello"]);
    expect(m.name).toBe("hello");
  });

  it("keeps explicit image settings and artifact destinations", () => {
    const m = parseManifest(
      [
        "name: tool",
        "build:",
        "  image: scratchkit/toolchain:bookworm",
        "  package-manager: apt",
        "  packages: [musl-tools]",
        "  workdir: /work/",
        "  env: {CFLAGS: -Os, N: 1}",
        "  run:",
        "    - make",
        "    - cp tool /out/bin/tool",
        "artifacts:",
        "  - path: /out/bin/tool",
        "    dest: /usr/bin/tool",
        "  - data.txt",
        "image:",
        '  entrypoint: ["/usr/bin/tool", "--serve"]',
        "  env: {A: b}",
        "  user: 65532:65532",
        "  labels: {x: y}",
        "",
      ].join("\n"),
      F,
    );
    expect(m.build.workdir).toBe("/work");
    expect(m.build.env).toEqual([
      ["CFLAGS", "-Os"],
      ["N", "1"],
    ]);
    expect(m.build.run.map((r) => [r.command.value, r.command.span.line])).toEqual([
      ["make", 9],
      ["cp tool /out/bin/tool", 10],
    ]);
    expect(m.targets[0]?.artifacts.map((a) => [a.path, a.dest])).toEqual([
      ["bin/tool", "/usr/bin/tool"],
      ["data.txt", "/data.txt"],
    ]);
    expect(m.targets[0]?.image).toMatchObject({
      entrypoint: ["/usr/bin/tool", "--serve"],
      user: "65532:65532",
    });
  });

  it.each([
    [
      "unknown key with a hint",
      "build:\n  pakages: [gcc]\n  run: x\nartifacts: [a]\n",
      "scratchkit.yaml:2:3: unknown key build.pakages; did you mean build.packages?",
    ],
    ["unknown top-level key", "bild: {}\n", "scratchkit.yaml:1:1: unknown key bild; did you mean build?"],
    ["missing build", "artifacts: [a]\n", "scratchkit.yaml:1:1: missing key build"],
    ["missing artifacts", "build: {run: x}\n", "scratchkit.yaml:1:1: missing key artifacts"],
    [
      "artifacts not a list",
      "build: {run: x}\nartifacts: hello\n",
      "scratchkit.yaml:2:12: artifacts: expected a non-empty list",
    ],
    [
      "artifact escaping /out",
      "build: {run: x}\nartifacts: [../etc/passwd]\n",
      'scratchkit.yaml:2:13: artifacts[0]: "../etc/passwd" must be a path inside /out',
    ],
    [
      "absolute artifact outside /out",
      "build: {run: x}\nartifacts: [/etc/passwd]\n",
      "must be a path inside /out",
    ],
    [
      "relative dest",
      "build: {run: x}\nartifacts: [{path: a, dest: x}]\n",
      "scratchkit.yaml:2:29: artifacts[0].dest: expected an absolute path",
    ],
    ["dest escaping the root", "build: {run: x}\nartifacts: [{path: a, dest: /../x}]\n", 'without ".."'],
    [
      "duplicate destination",
      "build: {run: x}\nartifacts: [a, /out/a]\n",
      "scratchkit.yaml:2:16: artifacts: /a is already the destination of line 2",
    ],
    [
      "shell-form entrypoint",
      "build: {run: x}\nartifacts: [a]\nimage:\n  entrypoint: /a --x\n",
      'scratchkit.yaml:4:15: image.entrypoint: shell form is not possible in a FROM scratch image (there is no /bin/sh); use exec form, e.g. entrypoint: ["/a","--x"]',
    ],
    [
      "empty run",
      "build:\n  run:\nartifacts: [a]\n",
      "scratchkit.yaml:2:7: build.run: expected a command or a list of commands",
    ],
    [
      "package name with shell",
      "build: {packages: ['gcc;rm -rf /'], run: x}\nartifacts: [a]\n",
      'build.packages[0]: "gcc;rm -rf /" is not a package name',
    ],
    [
      "package that looks like an option",
      "build: {packages: [--allow-untrusted], run: x}\nartifacts: [a]\n",
      "is not a package name",
    ],
    [
      "unknown package manager",
      "build: {package-manager: yum, run: x}\nartifacts: [a]\n",
      "scratchkit.yaml:1:26: build.package-manager: expected one of apk, apt, none",
    ],
    [
      "packages on an unknown image",
      "build:\n  image: foo/bar:1\n  packages: [gcc]\n  run: x\nartifacts: [a]\n",
      "scratchkit.yaml:3:13: build.package-manager: cannot tell how to install packages on foo/bar:1",
    ],
    [
      "packages with none",
      "build: {package-manager: none, packages: [gcc], run: x}\nartifacts: [a]\n",
      "build.packages: package-manager is none",
    ],
    [
      "bad version",
      "version: 2\nbuild: {run: x}\nartifacts: [a]\n",
      "scratchkit.yaml:1:10: version: only version 1 is known",
    ],
    ["YAML syntax error", "build:\n  run: [x\nartifacts: [a]\n", "scratchkit.yaml:3:"],
    [
      "duplicate key",
      "build: {run: x}\nbuild: {run: y}\nartifacts: [a]\n",
      "scratchkit.yaml:2:1: duplicate key build; it is first set at line 1",
    ],
    ["not a mapping", "- a\n- b\n", "scratchkit.yaml:1:1: expected a mapping"],
    ["env name", "build: {run: x, env: {'A B': c}}\nartifacts: [a]\n", "is not a variable name"],
  ])("rejects %s with file:line:col", (_name, text, expected) => {
    const errors = errorsOf(text);
    expect(errors.join("\n")).toContain(expected);
    for (const e of errors) expect(e).toMatch(/^scratchkit\.yaml:\d+:\d+: /);
  });

  it("reports every problem at once, not just the first", () => {
    const errors = errorsOf("build:\n  pakages: [gcc]\n  run:\nartifacts: hello\nimage: {entrypoint: /x}\n");
    expect(errors.length).toBeGreaterThanOrEqual(4);
  });
});
