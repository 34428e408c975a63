// The `scratchkit` command as a user meets it: the real bundle (what `npm ci`'s prepare step
// builds for the bin), run as a child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestDefinition } from "../../src/graph/definition.js";
import { loadManifest } from "../../src/plan/manifest.js";

const ROOT = join(import.meta.dirname, "../..");
// Inside the tree, so the externals (dockerode) resolve from node_modules as they do for dist/.
const OUTDIR = join(ROOT, ".scratchkit/cli-test");
const CLI = join(OUTDIR, "cli.cjs");
const HELLO = join(ROOT, "examples/hello/scratchkit.yaml");
const COMMANDS = ["llb", "lint", "check-elf", "show-image"];

// Cache and secret mounts, essentials written as files: enums and bytes to decode.
const TOOL = `name: tool
build:
  image: scratchkit/toolchain:bookworm
  package-manager: none
  run:
    - run: make tool
      cache: [{path: /root/.cache, sharing: locked}]
      secrets: [token]
artifacts: [tool]
essentials: [nonroot]
`;

let dir: string;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const bundle = spawnSync(process.execPath, ["scripts/bundle.mjs", "--only", "cli", "--outdir", OUTDIR], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(bundle.stderr).toBe("");
  expect(bundle.status).toBe(0);
  dir = mkdtempSync(join(tmpdir(), "scratchkit-cli-"));
  writeFileSync(join(dir, "tool.yaml"), TOOL);
  writeFileSync(join(dir, "bad.yaml"), "name: x\nbuild:\n  pakages: [gcc]\n");
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the bin", () => {
  it("is executable and runs through its shebang, as npx and npm's global link run it", () => {
    const r = spawnSync(CLI, ["--help"], { encoding: "utf8" });
    expect([r.error, r.status]).toEqual([undefined, 0]);
    expect(r.stdout).toMatch(/^usage: scratchkit <command>/);
  });
});

describe("help", () => {
  it.each([["--help"], ["-h"], ["help"]])("scratchkit %s lists every command on stdout, exit 0", (flag) => {
    const r = run(flag);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^usage: scratchkit <command>/);
    for (const c of COMMANDS) expect(r.stdout).toContain(`\n  ${c} `);
  });

  it.each(COMMANDS)("scratchkit %s --help, -h and `help <command>` exit 0 with its usage", (cmd) => {
    const long = run(cmd, "--help");
    expect([long.status, long.stderr]).toEqual([0, ""]);
    expect(long.stdout).toMatch(new RegExp(`^usage: scratchkit ${cmd} `));
    expect(long.stdout).toContain("exit status:");
    expect(run(cmd, "-h").stdout).toBe(long.stdout);
    expect(run("help", cmd).stdout).toBe(long.stdout);
  });
});

describe("usage errors exit 2 with a short message on stderr", () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^scratchkit: no command given\n/],
    [["nope"], /^scratchkit: unknown command nope\n/],
    [["help", "nope"], /^scratchkit: unknown command nope\n/],
    [["llb"], /^scratchkit llb: no manifest file given\nusage: scratchkit llb MANIFEST/],
    [["llb", "--bogus", "x.yaml"], /^scratchkit llb: Unknown option '--bogus'/],
    [["llb", "--platform", "not a platform", "x.yaml"], /^scratchkit llb: invalid platform "not a platform"/],
    [["llb", "--target"], /^scratchkit llb: Option '--target <value>' argument missing/],
    [["llb", "a.yaml", "b.yaml"], /^scratchkit llb: one manifest at a time/],
    [["lint"], /^scratchkit lint: no manifest file given\n/],
    [["show-image"], /^scratchkit show-image: no image name given\n/],
    [["check-elf"], /^scratchkit check-elf: no files given\n/],
  ];
  it.each(cases)("scratchkit %j", (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("scratchkit llb", () => {
  const decoded = (out: string) =>
    out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, any>);

  it("reads the .dockerignore next to the manifest and leaves the manifest out of the context, as the frontend does", () => {
    const d = mkdtempSync(join(tmpdir(), "cli-llb-ignore-"));
    try {
      writeFileSync(join(d, "app.yaml"), readFileSync(HELLO));
      writeFileSync(join(d, ".dockerignore"), "*.o\n");
      const local = decoded(run("llb", join(d, "app.yaml")).stdout).find((o) =>
        String(o.op.identifier).startsWith("local://"),
      );
      expect(local?.op.attrs["local.excludepatterns"]).toBe(
        JSON.stringify(["*.o", "app.yaml", "app.yaml.dockerignore"]),
      );
      // the manifest's own ignore file wins over the context's
      writeFileSync(join(d, "app.yaml.dockerignore"), "build/\n");
      const own = decoded(run("llb", join(d, "app.yaml")).stdout).find((o) =>
        String(o.op.identifier).startsWith("local://"),
      );
      expect(own?.op.attrs["local.excludepatterns"]).toBe(
        JSON.stringify(["build", "app.yaml", "app.yaml.dockerignore"]),
      );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("prints one decoded op per line: the definition's digests, in order, inputs first", () => {
    const r = run("llb", HELLO);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const ops = decoded(r.stdout);
    const manifest = loadManifest(readFileSync(HELLO, "utf8"), HELLO);
    // as the frontend assembles it: the manifest by its name in the context, no .dockerignore there
    const { digests } = manifestDefinition(
      manifest,
      { platform: { os: "linux", architecture: "amd64" } },
      { filename: "scratchkit.yaml", dockerignore: "" },
    );
    expect(ops.map((o) => o.digest)).toEqual(digests);
    const seen = new Set<string>();
    for (const op of ops) {
      for (const input of op.inputs) expect(seen.has(input.digest), input.digest).toBe(true);
      seen.add(op.digest);
    }
    expect(ops.at(-1)).toMatchObject({
      kind: "",
      op: {},
      inputs: [{ digest: ops.at(-2)?.digest, index: 0 }],
    });
    expect(ops[0]).toMatchObject({
      kind: "source",
      op: { identifier: "docker-image://docker.io/scratchkit/toolchain:bookworm" },
      platform: "linux/amd64",
    });
    const exec = ops.find((o) => o.kind === "exec");
    expect(exec?.op.meta.args).toEqual(["/bin/sh", "-c", "musl-gcc -static -Os -s -o /out/hello hello.c"]);
    expect(exec?.metadata.description["llb.customname"]).toBe(
      "[build 1/1] musl-gcc -static -Os -s -o /out/hello hello.c",
    );
    // the manifest by its name in the context, as the frontend maps it
    expect(exec?.locations).toEqual(["scratchkit.yaml:9"]);
    // The old output was the Definition with each op as a Buffer's byte array.
    expect(r.stdout).not.toMatch(/"type":\s*"Buffer"|\[\d+,\d+,\d+/);
  });

  it("names enums, decodes bytes as text and writes modes in octal", () => {
    const r = run("llb", "tool.yaml", "--platform", "linux/arm64");
    expect(r.status).toBe(0);
    const ops = decoded(r.stdout);
    const exec = ops.find((o) => o.kind === "exec");
    expect(exec?.platform).toBe("linux/arm64");
    expect(exec?.op.mounts).toContainEqual({
      input: -1,
      dest: "/root/.cache",
      output: -1,
      mountType: "CACHE",
      cacheOpt: { ID: "/root/.cache", sharing: "LOCKED" },
    });
    expect(exec?.op.mounts).toContainEqual({
      input: -1,
      dest: "/run/secrets/token",
      mountType: "SECRET",
      secretOpt: { ID: "token", mode: "0400" },
    });
    const actions = ops.find((o) => o.kind === "file" && o.op.actions.some((a: any) => a.mkfile))?.op.actions;
    expect(actions.map((a: any) => a.mkfile).find((m: any) => m?.path === "/etc/group")).toEqual({
      path: "/etc/group",
      mode: "0644",
      data: "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
      timestamp: -1,
    });
  });

  it("--target picks the target, and the definition differs from the default's", () => {
    const m = `${TOOL}targets:\n  other:\n    artifacts: [other]\n`;
    writeFileSync(join(dir, "targets.yaml"), m);
    const first = run("llb", "targets.yaml");
    const other = run("llb", "targets.yaml", "--target", "other");
    expect([first.status, other.status]).toEqual([0, 0]);
    expect(other.stdout).toContain('"dest":"/other"');
    expect(first.stdout).not.toContain('"dest":"/other"');
  });

  it("--dot draws one node per op and one edge per input", () => {
    const ops = decoded(run("llb", HELLO).stdout);
    const r = run("llb", HELLO, "--dot");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^digraph llb \{\n/);
    expect(r.stdout.trimEnd().endsWith("}")).toBe(true);
    const nodes = r.stdout.split("\n").filter((l) => /^ {2}"sha256:[0-9a-f]{64}" \[label=/.test(l));
    const edges = r.stdout.split("\n").filter((l) => / -> /.test(l));
    expect(nodes).toHaveLength(ops.length);
    expect(edges).toHaveLength(ops.reduce((n, o) => n + o.inputs.length, 0));
    // The build step's /out (output 1) feeds the image stage.
    const exec = ops.find((o) => o.kind === "exec");
    expect(
      edges.some((e) => e.startsWith(`  "${exec?.digest}" -> `) && e.includes('[label="output 1"]')),
    ).toBe(true);
    expect(r.stdout).toContain('label="[build 1/1] musl-gcc -static -Os -s -o /out/hello hello.c\\nsha256:');
  });

  it("a manifest error prints file:line:col and exits 1", () => {
    const r = run("llb", "bad.yaml");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^bad\.yaml:3:3: unknown key build\.pakages; did you mean build\.packages\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a missing file says so and exits 1", () => {
    const r = run("llb", "missing.yaml");
    expect([r.status, r.stdout, r.stderr.trim()]).toEqual([
      1,
      "",
      "scratchkit: cannot read missing.yaml (ENOENT)",
    ]);
  });
});

describe("scratchkit lint", () => {
  it("exits 0 for valid manifests and 1 with file:line:col for a bad one", () => {
    expect(run("lint", HELLO, "tool.yaml")).toEqual({ status: 0, stdout: "", stderr: "" });
    const r = run("lint", "tool.yaml", "bad.yaml");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:3:3: /);
  });

  it("refuses invalid UTF-8 with its offset, as the frontend does, instead of replacing it", () => {
    writeFileSync(join(dir, "latin1.yaml"), Buffer.from("name: caf\xe9\n", "latin1"));
    const r = run("lint", "latin1.yaml");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^latin1\.yaml:1:10: invalid UTF-8 at byte offset 9 \(0xe9\)/);
  });
});
