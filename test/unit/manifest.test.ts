// The manifest (v1): the minimal form and its errors, presets, targets, data, essentials,
// build inputs, and the JSON Schema shipped for editors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEFAULT_BUILD_IMAGE, ManifestError } from "../../src/manifest/index.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { planBuild } from "../../src/plan/plan.js";
import { presetRecipe } from "../../src/plan/preset.js";

const F = "scratchkit.yaml";

function errorsOf(text: string): string[] {
  try {
    loadManifest(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message.split("\n");
  }
  throw new Error("expected the manifest to be rejected");
}

const AMD64 = { os: "linux", architecture: "amd64" };
const parse = (text: string) => loadManifest(text, F);
/** The whole error message. */
const errors = (text: string): string => errorsOf(text).join("\n");

describe("manifest v1", () => {
  it("reads the three-line hello with Alpine defaults", () => {
    const m = loadManifest(
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
    const m = loadManifest(
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

describe("presets", () => {
  it("makes hello.c three lines: preset, name, and nothing else", () => {
    const m = parse("# syntax=scratchkit/frontend:dev\npreset: c\nname: hello\n");
    expect(m.build.image.value).toMatch(/^alpine:/);
    expect(m.build.packages.map((p) => p.value)).toEqual(["gcc", "musl-dev", "ccache"]);
    expect(m.build.env).toEqual([
      ["CC", "cc"],
      ["CFLAGS", "-Os"],
      ["CCACHE_DIR", "/root/.cache/ccache"],
      ["CCACHE_DEPEND", "1"],
    ]);
    // One command: each source compiled (through ccache), then one static link (preset-compile.test.ts).
    expect(m.build.run).toHaveLength(1);
    expect(m.build.run[0]?.command.value).toContain("$CC $CFLAGS -static -s -o /out/hello");
    expect(m.targets[0]?.artifacts.map((a) => a.dest)).toEqual(["/hello"]);
    expect(m.targets[0]?.image.entrypoint).toEqual(["/hello"]);
  });

  it.each([
    ["c", "apk", ["gcc", "musl-dev", "ccache"], /-static/],
    ["c", "apt", ["gcc", "musl-tools", "ccache"], /-static/],
    ["c++", "apk", ["g++", "musl-dev", "ccache"], /-static/],
    ["go", "apk", ["go"], /go build/],
    ["rust", "apk", ["cargo"], /cargo build --release/],
    ["zig", "apk", ["zig"], /native-linux-musl/],
  ] as const)("%s on %s links statically by construction", (preset, pm, packages, command) => {
    const r = presetRecipe(preset, pm, "app");
    if (typeof r === "string") throw new Error(r);
    expect(r.packages).toEqual(packages);
    expect(r.run.join("\n")).toMatch(command);
    expect(r.run.join("\n")).toContain("/out/app");
    const env = Object.fromEntries(r.env);
    if (preset === "go") expect(env.CGO_ENABLED).toBe("0");
    if (preset === "rust") expect(env.RUSTFLAGS).toContain("+crt-static");
    if (preset === "c" && pm === "apt") expect(env.CC).toBe("musl-gcc");
  });

  it("gives presets default caches (Go build and module cache, cargo registry)", () => {
    const go = parse("preset: go\nname: srv\n");
    expect(go.build.run[0]?.cache.map((c) => c.path)).toEqual(["/root/.cache/go-build", "/root/go/pkg/mod"]);
    const rust = parse("preset: rust\nname: srv\n");
    expect(rust.build.run[0]?.cache.map((c) => c.path)).toContain("/root/.cargo/registry");
  });

  it("lets explicit keys override a preset", () => {
    const m = parse(
      "preset: c\nname: hello\nbuild:\n  image: scratchkit/toolchain:bookworm\n  package-manager: apt\n  packages: [make]\n  env: {CFLAGS: -O2}\n",
    );
    expect(m.build.packages.map((p) => p.value)).toEqual(["gcc", "musl-tools", "ccache", "make"]);
    expect(Object.fromEntries(m.build.env)).toEqual({
      CC: "musl-gcc",
      CFLAGS: "-O2",
      CCACHE_DIR: "/root/.cache/ccache",
      CCACHE_DEPEND: "1",
    });
  });

  it("rejects an unknown preset, a preset without a name, and zig on Debian", () => {
    expect(errors("preset: cobol\nname: x\n")).toContain(
      "scratchkit.yaml:1:9: preset: expected one of c, c++, go, rust, zig",
    );
    expect(errors("preset: c\n")).toContain("preset: also set name");
    expect(errors("preset: zig\nname: x\nbuild: {image: debian:12}\n")).toContain("preset zig needs Alpine");
  });
});

describe("targets, data and essentials", () => {
  const TEXT = [
    "name: srv",
    "build:",
    "  image: alpine:3.22",
    "  run: make",
    "artifacts: [server]",
    "data:",
    "  - config.json",
    "  - {src: /usr/share/misc/magic, from: build, dest: /etc/magic, mode: '0444', owner: '65532:65532'}",
    "essentials: [nonroot, ca-certificates, tmp, {tzdata: [UTC, Europe/Paris]}]",
    "image:",
    "  ports: [8080, 53/udp]",
    "  volumes: [/data]",
    "  stop-signal: SIGINT",
    "targets:",
    "  cli:",
    "    description: the command line tool",
    "    artifacts: [{path: cli, dest: /usr/bin/cli}]",
    "",
  ].join("\n");

  it("reads data, essentials and image settings, and applies their conventions", () => {
    const [srv, cli] = parse(TEXT).targets;
    expect(srv?.name).toBe("srv");
    expect(srv?.data).toEqual([
      expect.objectContaining({ from: "context", src: "config.json", dest: "/config.json" }),
      expect.objectContaining({
        from: "build",
        src: "/usr/share/misc/magic",
        dest: "/etc/magic",
        mode: 0o444,
        owner: { uid: 65532, gid: 65532 },
      }),
    ]);
    expect(srv?.essentials).toMatchObject({
      nonroot: true,
      caCertificates: true,
      tmp: true,
      tzdata: ["UTC", "Europe/Paris"],
    });
    expect(srv?.image.user).toBe("65532:65532");
    expect(srv?.image.env).toContainEqual(["SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"]);
    expect(srv?.image.ports).toEqual(["8080/tcp", "53/udp"]);
    expect(srv?.image.stopSignal).toBe("SIGINT");
    // A target inherits data, essentials and image settings, with its own entrypoint.
    expect(cli?.name).toBe("cli");
    expect(cli?.description).toBe("the command line tool");
    expect(cli?.image.entrypoint).toEqual(["/usr/bin/cli"]);
    expect(cli?.image.ports).toEqual(["8080/tcp", "53/udp"]);
    expect(cli?.data).toHaveLength(2);
  });

  it("plans the target --target names, and installs what essentials copy from the build image", () => {
    const m = parse(TEXT);
    const plan = planBuild(m, { platform: AMD64, target: "cli" });
    expect(plan.target.name).toBe("cli");
    expect(plan.steps[0]?.args).toEqual(["apk", "add", "--no-cache", "ca-certificates", "tzdata"]);
    expect(() => planBuild(m, { platform: AMD64, target: "nope" })).toThrow(
      'target "nope" not found; the manifest defines srv, cli',
    );
  });

  it.each([
    [
      "data escaping the context",
      "build: {run: x}\nartifacts: [a]\ndata: [../secret]\n",
      "must be a path inside the build context",
    ],
    [
      "relative build data",
      "build: {run: x}\nartifacts: [a]\ndata: [{src: etc/x, from: build}]\n",
      "expected an absolute path",
    ],
    [
      "unknown essential",
      "build: {run: x}\nartifacts: [a]\nessentials: [nonrot]\n",
      "unknown essentials[0] nonrot; did you mean nonroot?",
    ],
    [
      "tzdata without zones",
      "build: {run: x}\nartifacts: [a]\nessentials: [tzdata]\n",
      "tzdata needs its zones",
    ],
    [
      "bad zone",
      "build: {run: x}\nartifacts: [a]\nessentials: [{tzdata: ['../../etc/shadow']}]\n",
      "is not a zone",
    ],
    ["non-octal mode", "build: {run: x}\nartifacts: [{path: a, mode: 999}]\n", "is not an octal mode"],
    [
      "named owner",
      "build: {run: x}\nartifacts: [a]\ndata: [{src: a.txt, owner: app}]\n",
      "numeric uid[:gid]",
    ],
    ["bad port", "build: {run: x}\nartifacts: [a]\nimage: {ports: [http]}\n", "is not a port"],
    [
      "target without artifacts",
      "build: {run: x}\ntargets: {cli: {image: {user: '1'}}}\n",
      "targets.cli: missing key artifacts",
    ],
    [
      "duplicate destination",
      "build: {run: x}\nartifacts: [a]\ndata: [{src: b, dest: /a}]\n",
      "/a is already the destination",
    ],
    [
      "unknown target key",
      "build: {run: x}\ntargets: {cli: {artifact: [a]}}\n",
      "did you mean targets.cli.artifacts?",
    ],
  ])("rejects %s", (_n, text, expected) => {
    expect(errors(text)).toContain(expected);
  });
});

describe("build inputs", () => {
  it("passes declared build args as env and substitutes them in labels and image env only", () => {
    const m = parse(
      "args: {VERSION: '1.0', FLAVOUR: }\nbuild: {run: echo $VERSION}\nartifacts: [a]\nimage:\n  labels: {v: 'v${VERSION}', keep: '${OTHER}'}\n  env: {F: '${FLAVOUR}'}\n",
    );
    const plan = planBuild(m, {
      platform: AMD64,
      buildArgs: new Map([
        ["FLAVOUR", "x"],
        ["UNDECLARED", "y"],
      ]),
    });
    expect(plan.env).toEqual(expect.arrayContaining(["VERSION=1.0", "FLAVOUR=x"]));
    expect(plan.env.some((e) => e.startsWith("UNDECLARED="))).toBe(false);
    expect(plan.target.image.labels).toEqual([
      ["v", "v1.0"],
      ["keep", "${OTHER}"],
    ]);
    expect(plan.target.image.env).toEqual([["F", "x"]]);
    expect(plan.steps[0]?.args[2]).toBe("echo $VERSION"); // the shell expands it, not us
  });

  it("declares cache mounts and secrets per step, on top of build-wide ones", () => {
    const m = parse(
      [
        "build:",
        "  cache: [/root/.cache]",
        "  secrets: [token]",
        "  run:",
        "    - make deps",
        "    - run: make",
        "      cache: [{path: /ccache, id: cc, sharing: locked}]",
        "      secrets: [{id: key, target: /key, required: false}]",
        "artifacts: [a]",
        "",
      ].join("\n"),
    );
    const [deps, make] = m.build.run;
    expect(deps?.cache).toMatchObject([{ path: "/root/.cache", sharing: "shared" }]);
    expect(deps?.secrets).toMatchObject([{ id: "token", target: "/run/secrets/token", required: true }]);
    expect(make?.cache).toMatchObject([
      { path: "/root/.cache", sharing: "shared" },
      { path: "/ccache", id: "cc", sharing: "locked" },
    ]);
    expect(make?.secrets).toMatchObject([
      { id: "token", target: "/run/secrets/token", required: true },
      { id: "key", target: "/key", required: false },
    ]);
  });

  it("filters the context with include and exclude patterns", () => {
    const m = parse(
      "build:\n  run: make\n  context: {include: [src, Makefile], exclude: ['**/*.o']}\nartifacts: [a]\n",
    );
    expect(m.build.contextInclude).toEqual(["src", "Makefile"]);
    expect(m.build.contextExclude).toEqual(["**/*.o"]);
    expect(errors("build:\n  run: make\n  context: {include: [../x]}\nartifacts: [a]\n")).toContain(
      'patterns are relative to the context, without ".."',
    );
  });
});

describe("data from a named context", () => {
  it("takes any other name as a named context, its src relative or absolute inside it", () => {
    const [t] = parse(
      "build: {run: make}\nartifacts: [a]\ndata: [{from: gen, src: /out/x.txt}, {from: gen, src: y}]\n",
    ).targets;
    expect(t?.data).toEqual([
      expect.objectContaining({
        from: "named",
        named: expect.objectContaining({ value: "gen" }),
        src: "out/x.txt",
        dest: "/out/x.txt",
      }),
      expect.objectContaining({ from: "named", src: "y", dest: "/y" }),
    ]);
  });

  it("calls a near miss of context or build a typo, and keeps paths inside the named context", () => {
    expect(errors("build: {run: make}\nartifacts: [a]\ndata: [{from: biuld, src: /x}]\n")).toContain(
      "did you mean build?",
    );
    expect(errors("build: {run: make}\nartifacts: [a]\ndata: [{from: gen, src: /../x}]\n")).toContain(
      "must be a path inside the named context",
    );
  });
});

describe("the JSON Schema for editors", () => {
  const schema = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../schema/scratchkit.schema.json"), "utf8"),
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const examples = [
    "preset: c\nname: hello\n",
    readFileSync(join(import.meta.dirname, "../../examples/hello/scratchkit.yaml"), "utf8"),
    "name: srv\nbuild: {run: [make, {run: make install, cache: [/c], secrets: [t]}]}\nartifacts: [{path: srv, dest: /srv, allow-dlopen: true}]\ndata: [{src: a, from: context, mode: '0644'}, {src: /b, from: gen}]\nessentials: [nonroot, {tzdata: [UTC]}]\nimage: {ports: [80], volumes: [/d], stop-signal: SIGTERM}\ntargets: {cli: {artifacts: [cli]}}\n",
  ];

  it.each(examples)("accepts what the parser accepts (%#)", (text) => {
    parse(text);
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    "build: {run: x}\nartifacts: [a]\nbogus: 1\n",
    "build: {run: x, pakages: [gcc]}\nartifacts: [a]\n",
    "build: {run: x}\nartifacts: [a]\nimage: {entrypoint: /a}\n",
    "preset: cobol\nname: x\n",
  ])("rejects what the parser rejects (%#)", (text) => {
    expect(() => parse(text)).toThrow(ManifestError);
    expect(validate(parseYaml(text))).toBe(false);
  });
});
