// One regular test per class of bug the manifest fuzzer found (test/fuzz, issue 8): each input
// used to crash a later stage (an internal error with no manifest line), reach the LLB with an
// unusable path, derive an invalid name, or point outside the document.
import { describe, expect, it } from "vitest";
import { OptsError, sourceDateEpoch } from "../../src/gateway/opts.js";
import { manifestDefinition } from "../../src/graph/definition.js";
import { imageConfig } from "../../src/image/config.js";
import { ManifestError } from "../../src/manifest/index.js";
import { loadManifest } from "../../src/plan/manifest.js";
import { PlanError, planBuild } from "../../src/plan/plan.js";
import { checkSpan } from "../fuzz/manifest-pipeline.js";
import { checkCase } from "../fuzz/manifest-run.js";

const F = "scratchkit.yaml";
const AMD64 = { os: "linux", architecture: "amd64" };

function rejected(text: string): ManifestError {
  try {
    loadManifest(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    const e = err as ManifestError;
    for (const d of e.diagnostics) checkSpan(d.span, text, d.message);
    return e;
  }
  throw new Error(`expected the manifest to be rejected:\n${text}`);
}

function planError(text: string, opts: Partial<Parameters<typeof planBuild>[1]> = {}): PlanError {
  const m = loadManifest(text, F);
  try {
    manifestDefinition(m, { platform: AMD64, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(PlanError);
    return err as PlanError;
  }
  throw new Error("expected a PlanError");
}

describe("paths with control characters are refused at their line", () => {
  it.each([
    [
      "an artifact with a tab",
      'build: {run: make}\nartifacts: ["a\\tb"]\n',
      2,
      'artifacts[0]: "a\\tb" contains a tab',
    ],
    [
      "an artifact dest with a newline",
      'build: {run: make}\nartifacts: [{path: a, dest: "/a\\nb"}]\n',
      2,
      "contains a newline",
    ],
    [
      "a context data source with an escape",
      'build: {run: make}\nartifacts: [a]\ndata: ["conf\\e[31m"]\n',
      3,
      "U+001B",
    ],
    [
      "a build data source with a NUL",
      'build: {run: make}\nartifacts: [a]\ndata: [{src: "/etc/x\\0y", from: build}]\n',
      3,
      "NUL",
    ],
    [
      "the workdir with a tab",
      'build: {run: make, workdir: "/src\\tx"}\nartifacts: [a]\n',
      1,
      "build.workdir",
    ],
    [
      "a cache path with a carriage return",
      'build: {run: make, cache: ["/c\\r"]}\nartifacts: [a]\n',
      1,
      "carriage return",
    ],
    [
      "a secret target with a newline",
      'build:\n  run: make\n  secrets: [{id: t, target: "/run/t\\n"}]\nartifacts: [a]\n',
      3,
      "build.secrets[0].target",
    ],
    [
      "a context pattern with a tab",
      'build:\n  run: make\n  context: {exclude: ["*.o\\t"]}\nartifacts: [a]\n',
      3,
      "build.context.exclude[]",
    ],
    [
      "an image workdir with a NUL",
      'build: {run: make}\nartifacts: [a]\nimage: {workdir: "/w\\0"}\n',
      3,
      "NUL",
    ],
  ])("%s", (_what, text, line, message) => {
    const e = rejected(text);
    expect(e.message).toContain(message);
    expect(e.diagnostics[0]?.span.line).toBe(line);
  });
});

describe("values the LLB and BuildKit cannot carry are refused at their line", () => {
  it("refuses a NUL in a build command (execve cannot pass it)", () => {
    expect(rejected('build: {run: "make\\0 all"}\nartifacts: [a]\n').message).toContain(
      'scratchkit.yaml:1:14: build.run: "make\\u0000 all" contains a NUL byte',
    );
  });

  it("refuses a NUL in a build env value and in an arg's default", () => {
    expect(rejected('build: {run: make, env: {A: "x\\0"}}\nartifacts: [a]\n').message).toContain(
      "build.env.A",
    );
    expect(rejected('args: {V: "1\\0"}\nbuild: {run: make}\nartifacts: [a]\n').message).toContain("args.V");
  });

  it("refuses a lone surrogate, which has no UTF-8 form (BuildKit would refuse the definition)", () => {
    expect(rejected('build: {run: make}\nartifacts: ["a\\ud800"]\n').message).toContain("lone surrogate");
  });

  it("writes a lone surrogate in an unknown key as an escape, so the error can travel over gRPC", () => {
    const e = rejected('"\\udc00x": 1\nbuild: {run: make}\nartifacts: [a]\n');
    expect(e.message).toContain("unknown key \\udc00x");
    expect(/\p{Cs}/u.test(e.message)).toBe(false);
  });

  it("refuses an owner id over 4294967294 (the LLB refused it with an internal error)", () => {
    expect(
      rejected("build: {run: make}\nartifacts: [a]\ndata: [{src: a.txt, owner: '9999999999:0'}]\n").message,
    ).toContain("scratchkit.yaml:3:28: data[0].owner");
    expect(
      loadManifest("build: {run: make}\nartifacts: [a]\ndata: [{src: b, owner: '4294967294:0'}]\n", F),
    ).toBeTruthy();
  });

  it("refuses a --build-arg value with a NUL at the arg's declaration", () => {
    const m = loadManifest("args: {V: }\nbuild: {run: make}\nartifacts: [a]\n", F);
    expect(() => planBuild(m, { platform: AMD64, buildArgs: new Map([["V", "a\0b"]]) })).toThrow(PlanError);
    try {
      planBuild(m, { platform: AMD64, buildArgs: new Map([["V", "a\0b"]]) });
    } catch (err) {
      expect((err as PlanError).span?.line).toBe(1);
    }
  });

  it("refuses a SOURCE_DATE_EPOCH the LLB's nanosecond timestamps cannot hold", () => {
    expect(() => sourceDateEpoch({ "build-arg:SOURCE_DATE_EPOCH": "4611686019" })).toThrow(OptsError);
    expect(sourceDateEpoch({ "build-arg:SOURCE_DATE_EPOCH": "4611686018" })).toBe(4611686018);
  });
});

describe("what the LLB builder threw as internal errors is a located error", () => {
  it("a build image reference the LLB cannot parse is refused by the parser at build.image", () => {
    const e = rejected("build:\n  image: g-\n  package-manager: none\n  run: make\nartifacts: [a]\n");
    expect(e.message).toContain("scratchkit.yaml:2:10: build.image: invalid image reference");
    expect(e.diagnostics[0]?.span.line).toBe(2);
  });

  it.each([
    [
      "a cache over the output directory",
      "build:\n  run: make\n  cache: [/out]\nartifacts: [a]\n",
      "inside /out",
    ],
    [
      "a cache over the context",
      "build:\n  run: make\n  cache: [/src]\nartifacts: [a]\n",
      "would hide the build context",
    ],
    [
      "a cache over the image root",
      "build:\n  run: make\n  cache: [/]\nartifacts: [a]\n",
      "over the build image's root",
    ],
    [
      "the workdir at the image root",
      "build:\n  run: make\n  workdir: /\nartifacts: [a]\n",
      "build.workdir: / is the build image's root",
    ],
    [
      "one secret twice",
      "build:\n  secrets: [t]\n  run: [{run: make, secrets: [t]}]\nartifacts: [a]\n",
      "is already mounted",
    ],
  ])("%s", (_what, text, expected) => {
    const e = planError(text);
    expect(e.message).toMatch(/^scratchkit\.yaml:3:\d+: /);
    expect(e.message).toContain(expected);
    expect(e.span?.line).toBe(3);
  });
});

describe("derived names pass their own rules", () => {
  it("names the default target after the first artifact in a form --target accepts", () => {
    const m = loadManifest("build: {run: make}\nartifacts: ['bin/My Server']\n", F);
    expect(m.targets[0]?.name).toBe("my-server");
    expect(m.name).toBe("my-server");
    const { plan } = manifestDefinition(m, { platform: AMD64 });
    expect(imageConfig(m, plan).config.Labels?.["org.opencontainers.image.title"]).toBe("my-server");
    expect(loadManifest("build: {run: make}\nartifacts: ['__']\n", F).targets[0]?.name).toBe("app");
  });
});

describe("every diagnostic lies inside the document", () => {
  it("an unclosed quote at the end of the text", () => {
    const text = '"é": "z\n';
    const e = rejected(text);
    expect(e.diagnostics.every((d) => d.span.endLine <= 2)).toBe(true);
  });

  it("a malformed token over two lines is placed on its own lines", () => {
    const text = "  image: rust:1-alpine\nbuild:\nname: srv\n  preset: rust\n";
    const e = rejected(text);
    const srv = e.diagnostics.find((d) => d.message.includes("srv"));
    expect(srv?.span).toMatchObject({ line: 3, endLine: 4 });
  });
});

describe("artifact paths", () => {
  it("refuses an artifact that names /out itself through '..' (it used to copy all of /out to '/.')", () => {
    expect(rejected("build: {run: make}\nartifacts: ['x/../']\n").message).toContain(
      "must be a path inside /out",
    );
  });

  it("cleans long '../../..' paths in linear time (node's path.normalize is quadratic there)", () => {
    const cost = (n: number) => {
      const text = `build: {run: make}\nartifacts: ["${"../".repeat(n)}x"]\n`;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        rejected(text);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const small = cost(5_000);
    const large = cost(50_000);
    // Quadratic was ~100x (50k: 4 s); linear is ~10x. Allow noise on a shared machine.
    expect(large).toBeLessThan(Math.max(30 * small, 250));
  });
});

describe("did-you-mean stays cheap", () => {
  it("a 450 KB unknown key is not measured against every known key (a 150 KB one took 1.4 s of CPU)", () => {
    const text = `? ${"../".repeat(150_000)}\n: hello\nbuild: {run: make}\nartifacts: [a]\n`;
    // checkCase applies the fuzzer's rule: only a located error, and under 1 s of CPU.
    expect(checkCase({ text, opts: {}, origin: "mutated" }).outcome).not.toBe("built");
  });
});
