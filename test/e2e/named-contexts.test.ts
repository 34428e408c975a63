// --build-context NAME=docker-image://REF replaces the build image the manifest names, as it
// replaces a Dockerfile's FROM: an Alpine-default manifest builds offline on the toolchain.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuildRun,
  bake,
  buildx,
  buildxAsync,
  context,
  docker,
  HELLO_C,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";
import { gitDaemon, httpServer, type Running } from "./local-servers.js";

const problem = suiteProblem();
const { tag, cleanup } = tagger("named-");

// No build.image: the default, alpine:3.22, which no registry here serves.
const ALPINE_DEFAULT = manifest(
  "name: hello",
  "build:",
  "  package-manager: none",
  "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
);

describe.skipIf(problem !== undefined)("named contexts on a real engine", () => {
  afterAll(cleanup);
  const dir = context({ "scratchkit.yaml": ALPINE_DEFAULT, "hello.c": HELLO_C });

  it("builds an Alpine-default manifest offline with alpine:3.22 replaced by the toolchain image", () => {
    const t = tag("alpine");
    const r = buildx(
      [
        "-f",
        "scratchkit.yaml",
        "--build-context",
        `alpine:3.22=docker-image://${TOOLCHAIN}`,
        "-t",
        t,
        "--load",
        ".",
      ],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain("does not support --build-context");
    expect(docker(["run", "--rm", t]).trim()).toBe("hello");
    const labels = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config.Labels}}", t])) as Record<
      string,
      string
    >;
    expect(labels["org.opencontainers.image.base.name"]).toBe(`docker.io/${TOOLCHAIN}`);
  });

  it("without the named context the same manifest needs alpine:3.22 (unreachable offline)", () => {
    const r = buildx(["-f", "scratchkit.yaml", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("alpine:3.22");
  });

  it("plain --call outline shows the named contexts: the build image and the data sources", () => {
    const withGen = context({
      "scratchkit.yaml": `${ALPINE_DEFAULT}data: [{from: gen, src: version.txt}]\n`,
      "hello.c": HELLO_C,
    });
    const r = buildx(["--call", "outline", "-f", "scratchkit.yaml", "."], withGen);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/^NAMED CONTEXT\s+USED BY\nalpine:3\.22\s+build\.image\ngen\s+data$/m);
  });

  it("--call outline lists the names a named context can replace (the build image)", () => {
    const r = buildx(["--call", "outline,format=json", "-f", "scratchkit.yaml", "."], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/"contexts": \[\s*\{\s*"name": "alpine:3\.22"/);
  });
});

/** A hello build whose image also ships `data` (YAML flow lines), exported as files. */
function withData(...data: string[]): string {
  return manifest(
    "name: hello",
    "build:",
    `  image: ${TOOLCHAIN}`,
    "  package-manager: none",
    "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
    "artifacts: [hello]",
    "data:",
    ...data.map((d) => `  - ${d}`),
  );
}

/** Builds `dir` into a local directory (the FROM scratch filesystem as files); the run and that directory. */
function buildFiles(dir: string, args: string[]): { r: BuildRun; out: string } {
  const out = mkdtempSync(join(tmpdir(), "scratchkit-named-out-"));
  const r = buildx(["-f", "scratchkit.yaml", ...args, "--output", `type=local,dest=${out}`, "."], dir);
  return { r, out };
}

function read(out: string, path: string): string {
  return readFileSync(join(out, path), "utf8");
}

describe.skipIf(problem !== undefined)("data[].from: a named context (COPY --from=NAME)", () => {
  const EPOCH = "1700000000";
  let git: Running | undefined;
  let web: Running | undefined;
  beforeAll(async () => {
    git = await gitDaemon({ "gen/version.txt": "v1 from git\n" }, EPOCH);
    const tgz = spawnSync("tar", ["-C", context({ "from-tar.txt": "from a tarball\n" }), "-czf", "-", "."]);
    web = await httpServer(
      new Map([
        ["/notes.txt", Buffer.from("a single file\n")],
        ["/bundle.tar.gz", tgz.stdout],
      ]),
    );
  });
  afterAll(() => {
    git?.stop();
    web?.stop();
  });

  it("copies from a local directory (--build-context gen=./dir, sent as local:gen)", () => {
    const gen = context({ "gen.txt": "generated\n" });
    const dir = context({
      "scratchkit.yaml": withData("{from: gen, src: gen.txt, dest: /etc/gen.txt}"),
      "hello.c": HELLO_C,
    });
    const { r, out } = buildFiles(dir, ["--build-context", `gen=${gen}`]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[context gen] load from client");
    expect(read(out, "etc/gen.txt")).toBe("generated\n");
    expect(existsSync(join(out, "hello"))).toBe(true);
  });

  it("applies the local directory's own .dockerignore, as dockerui does for a local named context", () => {
    const gen = context({ ".dockerignore": "share/secret.txt\n" });
    mkdirSync(join(gen, "share"));
    writeFileSync(join(gen, "share", "kept.txt"), "kept\n");
    writeFileSync(join(gen, "share", "secret.txt"), "never copied\n");
    const dir = context({
      "scratchkit.yaml": withData("{from: gen, src: share, dest: /share}"),
      "hello.c": HELLO_C,
    });
    const { r, out } = buildFiles(dir, ["--build-context", `gen=${gen}`]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[context gen] load .dockerignore");
    expect(read(out, "share/kept.txt")).toBe("kept\n");
    expect(existsSync(join(out, "share", "secret.txt"))).toBe(false);
  });

  it("copies from an image (docker-image://), absolute paths as COPY --from takes them", () => {
    const dir = context({
      "scratchkit.yaml": withData("{from: tools, src: /etc/debian_version}"),
      "hello.c": HELLO_C,
    });
    const { r, out } = buildFiles(dir, ["--build-context", `tools=docker-image://${TOOLCHAIN}`]);
    expect(r.code, r.output).toBe(0);
    const want = docker(["run", "--rm", "--entrypoint", "cat", TOOLCHAIN, "/etc/debian_version"]);
    expect(read(out, "etc/debian_version")).toBe(want);
  });

  it("copies from a git repository (git://…#v1:gen) and from https-style URLs (a file, a tarball)", async () => {
    const dir = context({
      "scratchkit.yaml": withData(
        "{from: repo, src: version.txt, dest: /share/version.txt}",
        "{from: notes, src: notes.txt, dest: /share/notes.txt}",
        "{from: bundle, src: from-tar.txt, dest: /share/from-tar.txt}",
      ),
      "hello.c": HELLO_C,
    });
    const out = mkdtempSync(join(tmpdir(), "scratchkit-named-out-"));
    const r = await buildxAsync(
      [
        "-f",
        "scratchkit.yaml",
        "--build-context",
        `repo=${git?.url}#v1:gen`,
        "--build-context",
        `notes=${web?.url}/notes.txt`,
        "--build-context",
        `bundle=${web?.url}/bundle.tar.gz`,
        "--output",
        `type=local,dest=${out}`,
        ".",
      ],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    expect(read(out, "share/version.txt")).toBe("v1 from git\n");
    expect(read(out, "share/notes.txt")).toBe("a single file\n");
    expect(read(out, "share/from-tar.txt")).toBe("from a tarball\n");
  });

  it("copies from an OCI layout (oci-layout:///dir@sha256:…, a store in buildx's session)", () => {
    const src = context({
      "x.txt": "from a layout\n",
      Dockerfile: "FROM scratch\nCOPY x.txt /share/x.txt\n",
    });
    const layout = mkdtempSync(join(tmpdir(), "scratchkit-layout-"));
    const made = buildx(["--output", `type=oci,dest=${layout},tar=false`, "."], src);
    expect(made.code, made.output).toBe(0);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
      manifests: { digest: string }[];
    };
    const dir = context({
      "scratchkit.yaml": withData("{from: lay, src: /share/x.txt}"),
      "hello.c": HELLO_C,
    });
    const { r, out } = buildFiles(dir, [
      "--build-context",
      `lay=oci-layout://${layout}@${index.manifests[0]?.digest}`,
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("[context lay] OCI load from client");
    expect(read(out, "share/x.txt")).toBe("from a layout\n");
  });

  it("an unknown name is an error at its manifest line, listing the names given", () => {
    const dir = context({
      "scratchkit.yaml": withData("{from: gen, src: gen.txt}"),
      "hello.c": HELLO_C,
    });
    const r = buildx(["-f", "scratchkit.yaml", "--build-context", `other=${dir}`, "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /scratchkit\.yaml:9:\d+: data from: no named context "gen" \(the named contexts given: other\)/,
    );
  });

  it("a typo of context or build is caught by the parser with a did-you-mean", () => {
    const dir = context({
      "scratchkit.yaml": withData("{from: contxt, src: hello.c}"),
      "hello.c": HELLO_C,
    });
    const r = buildx(["-f", "scratchkit.yaml", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("did you mean context?");
  });
});

describe.skipIf(problem !== undefined)(
  "docker buildx bake: one target feeds another (frontend inputs)",
  () => {
    it("a Dockerfile target gen reaches data[].from: gen through the # syntax= forwarder as input:NAME", () => {
      const root = mkdtempSync(join(tmpdir(), "scratchkit-bake-"));
      const gen = join(root, "gen");
      const app = join(root, "app");
      mkdirSync(gen);
      mkdirSync(app);
      writeFileSync(join(gen, "version.txt"), "made by gen\n");
      writeFileSync(
        join(app, "scratchkit.yaml"),
        withData("{from: gen, src: /share/version.txt, dest: /etc/version.txt}"),
      );
      writeFileSync(join(app, "hello.c"), HELLO_C);
      const out = join(root, "out");
      writeFileSync(
        join(root, "docker-bake.hcl"),
        [
          'target "gen" {',
          '  context = "gen"',
          '  dockerfile-inline = "FROM scratch\\nCOPY version.txt /share/version.txt\\n"',
          "}",
          'target "app" {',
          '  context = "app"',
          '  dockerfile = "scratchkit.yaml"',
          '  contexts = { gen = "target:gen" }',
          `  output = ["type=local,dest=${out}"]`,
          "}",
          "",
        ].join("\n"),
      );
      const r = bake(["app"], root);
      expect(r.code, r.output).toBe(0);
      // gen was built by the Dockerfile frontend, then handed over as a frontend input.
      expect(r.output).toContain("COPY version.txt /share/version.txt");
      expect(read(out, "etc/version.txt")).toBe("made by gen\n");
      expect(existsSync(join(out, "hello"))).toBe(true);
    });
  },
);
