// Bad input rejected at the parser (or the plan), at its line and column: duplicate keys in
// linear time, image config values, build.image references, conflicting mounts, "did you
// mean" across levels, invalid UTF-8.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { manifestDefinition } from "../../src/graph/definition.js";
import { firstInvalidByte } from "../../src/manifest/decode.js";
import { decodeManifest, ManifestError } from "../../src/manifest/index.js";
import { editDistance } from "../../src/manifest/suggest.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { PlanError, planBuild } from "../../src/plan/plan.js";

const F = "scratchkit.yaml";
const AMD64 = { os: "linux", architecture: "amd64" };
const parse = (text: string) => loadManifest(text, F);

/** The ManifestError's lines for a manifest that must be rejected. */
function errors(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    const lines = (err as ManifestError).message.split("\n");
    for (const l of lines) expect(l).toMatch(/^scratchkit\.yaml:\d+:\d+: /);
    return lines;
  }
  throw new Error("expected the manifest to be rejected");
}

/** A manifest with `image:` lines (indented by the caller) after a minimal build. */
const withImage = (...lines: string[]) =>
  ["build: {run: x}", "artifacts: [a]", "image:", ...lines, ""].join("\n");

describe("duplicate keys", () => {
  const labels = (n: number) =>
    `build: {run: x}\nartifacts: [a]\nimage:\n  labels:\n${Array.from({ length: n }, (_, i) => `    k${i}: v${i}\n`).join("")}`;

  it("costs time linear in the keys of one mapping: 10x the keys, at most 15x the time", () => {
    const small = labels(2_000);
    const large = labels(20_000);
    // CPU time of this worker process, not wall time: other processes on a busy machine
    // then cannot inflate one size more than the other. A 2k parse is timed as the mean of
    // 10 in a row, so both samples are long enough to average out timer and GC noise.
    const time = (text: string, times: number) => {
      const start = process.cpuUsage();
      for (let i = 0; i < times; i++) parse(text);
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000 / times;
    };
    time(small, 10);
    time(large, 1);
    let [bestSmall, bestLarge] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (let i = 0; i < 5; i++) {
      bestSmall = Math.min(bestSmall, time(small, 10));
      bestLarge = Math.min(bestLarge, time(large, 1));
    }
    const ratio = bestLarge / bestSmall;
    console.log(
      `parse CPU time, 20k vs 2k label keys: ${bestLarge.toFixed(1)} ms / ${bestSmall.toFixed(1)} ms = ${ratio.toFixed(2)}`,
    );
    expect(ratio).toBeLessThanOrEqual(15);
    expect(parse(large).targets[0]?.image.labels).toHaveLength(20_000);
  }, 120_000);

  it("still reports a duplicate at its line, naming the first", () => {
    const text = `${labels(3)}    k1: again\n`;
    expect(errors(text)).toEqual([
      "scratchkit.yaml:8:5: duplicate key image.labels.k1; it is first set at line 6",
    ]);
  });

  it("finds duplicates inside lists and nested mappings, in document order", () => {
    const e = errors(
      "build: {run: x}\nartifacts:\n  - {path: a, mode: '0755', mode: '0700'}\nbuild: {run: y}\n",
    );
    expect(e).toEqual([
      "scratchkit.yaml:3:29: duplicate key artifacts[0].mode; it is first set at line 3",
      "scratchkit.yaml:4:1: duplicate key build; it is first set at line 1",
    ]);
  });

  it("keeps 1 and '1' apart, as YAML does", () => {
    expect(() => parse(withImage("  labels: {1: a, '1': b}"))).not.toThrow();
  });
});

describe("image config values", () => {
  it.each([
    ["port 0", "  ports: [0]", '4:11: image.ports[0]: "0" is not a port like 8080 or 53/udp'],
    ["port 65536", "  ports: [80, 65536]", '4:15: image.ports[1]: "65536" is not a port'],
    ["unknown protocol", "  ports: [53/icmp]", '4:11: image.ports[0]: "53/icmp" is not a port'],
    ["a port range", "  ports: [8000-8010]", "4:11: image.ports[0]"],
    ["a relative volume", "  volumes: [data]", '4:13: image.volumes[0]: "data" is not an absolute path'],
    ["a volume with ..", "  volumes: [/a/../b]", '4:13: image.volumes[0]: "/a/../b" is not a clean path'],
    ["a volume with //", "  volumes: [/a//b]", "is not a clean path"],
    ["a volume ending in /.", "  volumes: [/a/.]", "is not a clean path"],
    ["the root as a volume", "  volumes: [/]", '4:13: image.volumes[0]: "/" cannot be a volume'],
    ["an unknown signal", "  stop-signal: SIGFOO", '4:16: image.stop-signal: "SIGFOO" is not a signal name'],
    ["signal 0", "  stop-signal: 0", "4:16: image.stop-signal: signal number 0 is out of range 1-64"],
    ["signal 65", "  stop-signal: 65", "out of range 1-64"],
    [
      "NUL in the entrypoint",
      '  entrypoint: ["/a", "x\\0y"]',
      '4:22: image.entrypoint[1]: "x\\u0000y" contains a NUL byte',
    ],
    [
      "an empty program",
      '  entrypoint: [""]',
      "4:16: image.entrypoint[0]: the program to run cannot be an empty string",
    ],
    [
      "an empty cmd program",
      '  cmd: ["", x]',
      "4:9: image.cmd[0]: the program to run cannot be an empty string",
    ],
    ["an empty label key", '  labels: {"": x}', "4:12: image.labels: a label key cannot be empty"],
    [
      "a newline in a label key",
      '  labels: {"a\\nb": x}',
      '4:12: image.labels: label key "a\\nb" contains a line break',
    ],
    [
      "NUL in a label key",
      '  labels: {"a\\0b": x}',
      '4:12: image.labels key: "a\\u0000b" contains a NUL byte',
    ],
    ["NUL in an env value", '  env: {A: "x\\0"}', '4:12: image.env.A: "x\\u0000" contains a NUL byte'],
    ["three user parts", "  user: a:b:c", '4:9: image.user: "a:b:c" is not name|uid[:group|gid]'],
    ["a user like an option", "  user: -x", "is not name|uid[:group|gid]"],
    ["an empty group", "  user: 'app:'", "is not name|uid[:group|gid]"],
    ["a uid too large", "  user: 4294967295", "is not name|uid[:group|gid]"],
    ["NUL in the workdir", '  workdir: "/a\\0"', '4:12: image.workdir: "/a\\u0000" contains a NUL byte'],
  ])("rejects %s", (_name, line, expected) => {
    // Expectations that start with line:col are checked with the file name in front.
    const want = /^\d/.test(expected) ? `scratchkit.yaml:${expected}` : expected;
    expect(errors(withImage(line)).join("\n")).toContain(want);
  });

  it("accepts and normalizes what Docker accepts", () => {
    const img = parse(
      withImage(
        "  ports: [80, 053/udp, 132/sctp, '65535']",
        "  volumes: [/data/, /var/lib/app]",
        "  stop-signal: term",
        "  user: nobody:65534",
        '  labels: {"org.example.x": "multi\\nline value"}',
        '  cmd: ["--flag", ""]',
      ),
    ).targets[0]?.image;
    expect(img?.ports).toEqual(["80/tcp", "53/udp", "132/sctp", "65535/tcp"]);
    expect(img?.volumes).toEqual(["/data", "/var/lib/app"]);
    expect(img?.stopSignal).toBe("SIGTERM");
    expect(img?.user).toBe("nobody:65534");
    expect(img?.cmd).toEqual(["--flag", ""]);
    for (const [s, want] of [
      ["SIGKILL", "SIGKILL"],
      ["sigrtmin+3", "SIGRTMIN+3"],
      ["RTMAX-14", "SIGRTMAX-14"],
      ["9", "9"],
      ["64", "64"],
    ])
      expect(parse(withImage(`  stop-signal: ${s}`)).targets[0]?.image.stopSignal).toBe(want);
  });

  it("checks a target's own image section too", () => {
    const e = errors(
      "build: {run: x}\nartifacts: [a]\ntargets:\n  cli:\n    artifacts: [b]\n    image: {ports: [99999]}\n",
    );
    expect(e).toEqual([
      'scratchkit.yaml:6:21: targets.cli.image.ports[0]: "99999" is not a port like 8080 or 53/udp (1-65535, tcp, udp or sctp)',
    ]);
  });

  it("refuses NUL in every path", () => {
    for (const text of [
      'build: {run: x, workdir: "/s\\0"}\nartifacts: [a]\n',
      'build: {run: x}\nartifacts: ["a\\0"]\n',
      'build: {run: x}\nartifacts: [{path: a, dest: "/b\\0"}]\n',
      'build: {run: x}\nartifacts: [a]\ndata: ["c\\0"]\n',
      'build: {run: x}\nartifacts: [a]\ndata: [{src: "/c\\0", from: build}]\n',
      'build: {run: x, cache: ["/c\\0"]}\nartifacts: [a]\n',
      'build: {run: x, secrets: [{id: t, target: "/t\\0"}]}\nartifacts: [a]\n',
    ])
      expect(errors(text).join("\n"), text).toMatch(/NUL|must be a path inside/);
  });
});

describe("build.image", () => {
  it.each([
    ["scratchkit/toolchain::bookworm", "2:10"],
    ["Alpine:3.22", "2:10"],
    ["alpine@sha256:abc", "2:10"],
    ["'ghcr.io/team/x:'", "2:10"],
  ])("rejects %s at build.image's line with the LLB's reference parser", (ref, at) => {
    const e = errors(`build:\n  image: ${ref}\n  package-manager: none\n  run: x\nartifacts: [a]\n`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(new RegExp(`^scratchkit\\.yaml:${at}: build\\.image: invalid image reference`));
  });

  it.each([
    ["localhost:5000/alpine:3.22", "apk"],
    ["registry.example.com:443/team/debian:12", "apt"],
    ["ghcr.io/owner/ubuntu@sha256:" + "ab".repeat(32), "apt"],
    ["team/alpinelike", undefined],
    ["team/go-alpine:1", "apk"],
  ])("infers the package manager of %s from its repository, not its registry", (ref, pm) => {
    const text = `build:\n  image: ${ref}\n  packages: [gcc]\n  run: x\nartifacts: [a]\n`;
    if (pm === undefined) expect(errors(text).join("\n")).toContain("cannot tell how to install packages");
    else expect(parse(text).build.packageManager.value).toBe(pm);
  });
});

describe("conflicting mounts", () => {
  function planError(text: string): PlanError {
    const m = parse(text);
    try {
      planBuild(m, { platform: AMD64 });
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      return err as PlanError;
    }
    throw new Error("expected the plan to be refused");
  }

  it.each([
    [
      "a secret named by build.secrets and by a step",
      "build:\n  secrets: [token]\n  run:\n    - run: make\n      secrets: [token]\nartifacts: [a]\n",
      "scratchkit.yaml:5:17: secret token: /run/secrets/token is already mounted for this command by secret token (line 2)",
    ],
    [
      "a cache at /out",
      "build:\n  cache: [/out]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:11: cache /out: /out is inside /out, the output directory (it would hide the artifacts)",
    ],
    [
      "a cache under /out",
      "build:\n  run: [{run: make, cache: [{path: /out/obj, id: o}]}]\nartifacts: [a]\n",
      "scratchkit.yaml:2:36: cache /out/obj: /out/obj is inside /out",
    ],
    [
      "a secret under /out (it would ship the empty mount stub)",
      "build:\n  secrets: [{id: token, target: /out/token}]\n  run: make\nartifacts: [token]\n",
      "scratchkit.yaml:2:33: secret token: /out/token is inside /out, the output directory (it would ship as an empty file)",
    ],
    [
      "workdir /",
      "build:\n  workdir: /\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:12: build.workdir: / is the build image's root",
    ],
    [
      "a workdir inside /out",
      "build:\n  workdir: /out/src\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:12: build.workdir: /out/src is inside /out",
    ],
    [
      "a cache at the workdir",
      "build:\n  cache: [/src]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:11: cache /src: /src would hide the build context mounted at build.workdir /src",
    ],
    [
      "a cache over the workdir",
      "build:\n  workdir: /w/app\n  cache: [/w]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:3:11: cache /w: /w would hide the build context",
    ],
    [
      "a cache at /",
      "build:\n  cache: [/]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:11: cache /: cannot be mounted over the build image's root /",
    ],
    [
      "two caches at one path",
      "build:\n  cache: [/c]\n  run: [{run: make, cache: [{path: /c, id: other}]}]\nartifacts: [a]\n",
      "scratchkit.yaml:3:36: cache /c: /c is already mounted for this command by cache /c (line 2)",
    ],
    [
      "a cache and a secret at one path",
      "build:\n  cache: [/c]\n  secrets: [{id: t, target: /c}]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:3:29: secret t: /c is already mounted for this command by cache /c (line 2)",
    ],
    [
      "a cache inside a secret file",
      "build:\n  secrets: [{id: t, target: /k}]\n  cache: [/k/c]\n  run: make\nartifacts: [a]\n",
      "scratchkit.yaml:2:29: secret t: /k would be a file over /k/c, mounted by cache /k/c (line 3)",
    ],
  ])("refuses %s at its line", (_name, text, expected) => {
    const e = planError(text);
    expect(e.message).toContain(expected);
    expect(e.message).toMatch(/^scratchkit\.yaml:\d+:\d+: /);
    const [, line, col] = /^scratchkit\.yaml:(\d+):(\d+)/.exec(e.message) ?? [];
    expect(e.span).toMatchObject({ line: Number(line), col: Number(col) });
  });

  it("carries the other mount's line too, so buildx shows both", () => {
    const e = planError(
      "build:\n  secrets: [token]\n  run:\n    - run: make\n      secrets: [token]\nartifacts: [a]\n",
    );
    expect(e.spans.map((s) => s.line)).toEqual([5, 2]);
  });

  it("allows a cache inside the workdir and lets a manifest cache replace a preset's at one path", () => {
    const ok = parse("build:\n  cache: [/src/target]\n  run: make\nartifacts: [a]\n");
    expect(() => planBuild(ok, { platform: AMD64 })).not.toThrow();
    const go = parse(
      "preset: go\nname: srv\nbuild:\n  package-manager: apk\n  cache: [{path: /root/.cache/go-build, id: mine}]\n",
    );
    const plan = planBuild(go, { platform: AMD64 });
    const caches = plan.steps.find((s) => s.kind === "run")?.cache ?? [];
    expect(caches.filter((c) => c.path === "/root/.cache/go-build")).toMatchObject([{ id: "mine" }]);
  });
});

describe("mounts the LLB could not make", () => {
  // Paths chosen to collide: the root, /out and inside it, the workdir and around it.
  const path = fc.constantFrom("/", "/out", "/out/x", "/src", "/src/x", "/c", "/c/d", "/k", "/k/e");
  const secret = fc.record({ id: fc.constantFrom("t", "u"), target: fc.option(path, { nil: undefined }) });
  const asSecret = (s: { id: string; target: string | undefined }) =>
    s.target === undefined ? s.id : { id: s.id, target: s.target };

  it("are refused as ManifestError or PlanError, never as an LLB error", () => {
    fc.assert(
      fc.property(
        fc.option(path, { nil: undefined }),
        fc.array(path, { maxLength: 3 }),
        fc.array(path, { maxLength: 2 }),
        fc.array(secret, { maxLength: 2 }),
        fc.array(secret, { maxLength: 2 }),
        (workdir, cache, stepCache, secrets, stepSecrets) => {
          // YAML is a superset of JSON: the manifest is written as JSON.
          const text = JSON.stringify({
            build: {
              ...(workdir !== undefined ? { workdir } : {}),
              cache,
              secrets: secrets.map(asSecret),
              run: ["make deps", { run: "make", cache: stepCache, secrets: stepSecrets.map(asSecret) }],
            },
            artifacts: ["a"],
          });
          try {
            manifestDefinition(parse(text), { platform: AMD64 });
          } catch (err) {
            if (!(err instanceof ManifestError || err instanceof PlanError)) throw err;
            expect(err.message).toMatch(/^scratchkit\.yaml:\d+:\d+: /);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("did you mean", () => {
  it("counts a transposition as one edit", () => {
    expect(editDistance("mdoe", "mode")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it.each([
    [
      "a top-level key that belongs in image",
      "build: {run: x}\nartifacts: [a]\nentrypiont: [/a]\n",
      "scratchkit.yaml:3:1: unknown key entrypiont; did you mean image.entrypoint?",
    ],
    [
      "a top-level key that belongs in build",
      "build: {run: x}\nartifacts: [a]\npackages: [gcc]\n",
      "scratchkit.yaml:3:1: unknown key packages; did you mean build.packages?",
    ],
    [
      "an image key that belongs at the top",
      "build: {run: x}\nartifacts: [a]\nimage: {essentials: [tmp]}\n",
      "scratchkit.yaml:3:9: unknown key image.essentials; did you mean essentials?",
    ],
    [
      "a build key that belongs in image",
      "build: {run: x, entrypoint: [/a]}\nartifacts: [a]\n",
      "scratchkit.yaml:1:17: unknown key build.entrypoint; did you mean image.entrypoint?",
    ],
    [
      "a target key that belongs in its image",
      "build: {run: x}\nartifacts: [a]\ntargets:\n  cli: {artifacts: [b], user: app}\n",
      "scratchkit.yaml:4:25: unknown key targets.cli.user; did you mean targets.cli.image.user?",
    ],
    [
      "a transposition inside a list, with its index",
      "build: {run: x}\nartifacts:\n  - a\n  - b\n  - {path: c, mdoe: '0755'}\n",
      "scratchkit.yaml:5:15: unknown key artifacts[2].mdoe; did you mean artifacts[2].mode?",
    ],
    [
      "a key of the second run step",
      "build:\n  run:\n    - make\n    - {run: x, cahce: [/c]}\nartifacts: [a]\n",
      "scratchkit.yaml:4:16: unknown key build.run[1].cahce; did you mean build.run[1].cache?",
    ],
    [
      "a data entry",
      "build: {run: x}\nartifacts: [a]\ndata: [{src: a, dset: /b}]\n",
      "scratchkit.yaml:3:17: unknown key data[0].dset; did you mean data[0].dest?",
    ],
  ])("hints %s", (_name, text, expected) => {
    expect(errors(text)).toContain(expected);
  });

  it("gives no hint when nothing is close", () => {
    expect(errors("build: {run: x}\nartifacts: [a]\nzzz: 1\n")[0]).toContain("expected one of version, name");
  });
});

describe("invalid UTF-8", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

  it("fails with the byte offset, line and column instead of replacing the byte", () => {
    const data = bytes("build:\n  run: echo caf\u00e9 ", [0xe9], "\nartifacts: [a]\n");
    expect(() => decodeManifest(data, F)).toThrow(ManifestError);
    expect(() => decodeManifest(data, F)).toThrow(
      "scratchkit.yaml:2:18: invalid UTF-8 at byte offset 25 (0xe9); save the manifest as UTF-8",
    );
  });

  it.each([
    ["an overlong encoding", [0xc0, 0x80]],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a sequence cut short at the end", [0xe2, 0x82]],
    ["a stray continuation byte", [0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("refuses %s", (_name, bad) => {
    expect(() => decodeManifest(bytes("a: b\n", bad), F)).toThrow(
      /^scratchkit\.yaml:2:1: invalid UTF-8 at byte offset 5 /,
    );
  });

  it("decodes valid UTF-8 unchanged", () => {
    const text = "build: {run: echo h\u00e9llo \u{1F600}}\nartifacts: [a]\n";
    expect(decodeManifest(new TextEncoder().encode(text), F)).toBe(text);
  });

  it("finds the same first bad byte as a fatal TextDecoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (data) => {
        const at = firstInvalidByte(data);
        const fatal = new TextDecoder("utf-8", { fatal: true });
        const valid = (b: Uint8Array) => {
          try {
            fatal.decode(b);
            return true;
          } catch {
            return false;
          }
        };
        expect(valid(data)).toBe(at === data.length);
        expect(valid(data.subarray(0, at))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("the JSON Schema follows the new checks", () => {
  const schema = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../schema/scratchkit.schema.json"), "utf8"),
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it.each([
    withImage("  ports: [80, 53/udp, '65535/sctp']", "  volumes: [/data, /var/lib/x/]"),
    withImage("  stop-signal: SIGRTMIN+3", "  user: app:65532", '  labels: {"a.b": c}'),
    withImage("  stop-signal: 9", "  user: 1000", '  entrypoint: [/a, ""]'),
    "build:\n  image: localhost:5000/alpine:3.22\n  cache: [/src/target]\n  secrets: [{id: t, target: /k}]\n  run: x\nartifacts: [a]\n",
  ])("accepts what the parser accepts (%#)", (text) => {
    parse(text);
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    withImage("  ports: [0]"),
    withImage("  ports: [65536]"),
    withImage("  ports: [53/icmp]"),
    withImage("  volumes: [/a/../b]"),
    withImage("  volumes: [/]"),
    withImage("  user: a:b:c"),
    withImage('  entrypoint: [""]'),
    withImage('  labels: {"": x}'),
    withImage("  stop-signal: 65"),
    "build: {image: 'scratchkit/toolchain::bookworm', package-manager: none, run: x}\nartifacts: [a]\n",
  ])("rejects what the parser rejects (%#)", (text) => {
    expect(() => parse(text)).toThrow(ManifestError);
    expect(validate(parseYaml(text))).toBe(false);
  });

  it.each([
    "build: {cache: [/out], run: x}\nartifacts: [a]\n",
    "build: {secrets: [{id: t, target: /out/t}], run: x}\nartifacts: [a]\n",
    "build: {workdir: /, run: x}\nartifacts: [a]\n",
  ])("rejects what the plan refuses (%#)", (text) => {
    expect(() => planBuild(parse(text), { platform: AMD64 })).toThrow(PlanError);
    expect(validate(parseYaml(text))).toBe(false);
  });
});
