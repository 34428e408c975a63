// Manifest v1 beyond the minimal form: presets, targets, data, essentials, build inputs,
// and the JSON Schema shipped for editors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ManifestError, parseManifest } from "../../src/manifest/index.js";
import { presetRecipe } from "../../src/manifest/presets.js";
import { planBuild } from "../../src/plan/plan.js";

const F = "scratchkit.yaml";
const AMD64 = { os: "linux", architecture: "amd64" };
const parse = (text: string) => parseManifest(text, F);
function errors(text: string): string {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message;
  }
  throw new Error("expected the manifest to be rejected");
}

describe("presets", () => {
  it("makes hello.c three lines: preset, name, and nothing else", () => {
    const m = parse("# syntax=scratchkit/frontend:dev\npreset: c\nname: hello\n");
    expect(m.build.image.value).toMatch(/^alpine:/);
    expect(m.build.packages.map((p) => p.value)).toEqual(["gcc", "musl-dev"]);
    expect(m.build.env).toEqual([
      ["CC", "cc"],
      ["CFLAGS", "-Os"],
    ]);
    expect(m.build.run.map((r) => r.command.value)).toEqual([
      "$CC $CFLAGS -static -s -o /out/hello $(find . -name '*.c' | sort)",
    ]);
    expect(m.targets[0]?.artifacts.map((a) => a.dest)).toEqual(["/hello"]);
    expect(m.targets[0]?.image.entrypoint).toEqual(["/hello"]);
  });

  it.each([
    ["c", "apk", ["gcc", "musl-dev"], /-static/],
    ["c", "apt", ["gcc", "musl-tools"], /-static/],
    ["c++", "apk", ["g++", "musl-dev"], /-static/],
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
    expect(m.build.packages.map((p) => p.value)).toEqual(["gcc", "musl-tools", "make"]);
    expect(Object.fromEntries(m.build.env)).toEqual({ CC: "musl-gcc", CFLAGS: "-O2" });
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

describe("the JSON Schema for editors", () => {
  const schema = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../schema/scratchkit.schema.json"), "utf8"),
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const examples = [
    "preset: c\nname: hello\n",
    readFileSync(join(import.meta.dirname, "../../examples/hello/scratchkit.yaml"), "utf8"),
    "name: srv\nbuild: {run: [make, {run: make install, cache: [/c], secrets: [t]}]}\nartifacts: [{path: srv, dest: /srv, allow-dlopen: true}]\ndata: [{src: a, from: context, mode: '0644'}]\nessentials: [nonroot, {tzdata: [UTC]}]\nimage: {ports: [80], volumes: [/d], stop-signal: SIGTERM}\ntargets: {cli: {artifacts: [cli]}}\n",
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
