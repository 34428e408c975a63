// Subrequest answers (--call outline/targets/check, describe): JSON in BuildKit's shapes,
// text as BuildKit's Print* functions write it, and the flow over a fake LLBBridge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frontendResult, serve, subrequestAnswer } from "../../src/frontend/dispatch.js";
import { capsFromPong } from "../../src/gateway/caps.js";
import { BridgeClient } from "../../src/gateway/client.js";
import { FrontendError, SUBREQUEST_DETAIL_TYPE_URL, unsupportedStatus } from "../../src/gateway/errors.js";
import { GatewayClient } from "../../src/gateway/frontend-client.js";
import type { Opts } from "../../src/gateway/opts.js";
import { moby } from "../../src/gen/proto.js";
import { describeAnswer } from "../../src/subrequests/describe.js";
import { printSource } from "../../src/subrequests/lint.js";
import { tabulate } from "../../src/subrequests/tabwriter.js";
import { rangeOf } from "../../src/subrequests/types.js";
import { type FakeBridge, startFakeBridge } from "./fixtures/fake-bridge.js";
import { missingFileAnswer } from "./fixtures/memory-client.js";

const MANIFEST = [
  "# syntax=scratchkit/frontend:dev",
  "args:",
  "  # Greeting the program prints",
  "  GREETING: hello",
  "  VERSION:",
  "build:",
  "  image: alpine",
  "  run:",
  "    - run: cc -static -Os -o /out/hello hello.c",
  "      secrets: [{id: token, required: true}, {id: npmrc, required: false}]",
  "      cache: [{path: /root/.cache, id: cc}]",
  "artifacts: [hello]",
  "targets:",
  "  cli:",
  "    description: The command-line tool",
  "    artifacts: [hello]",
  "    essentials: [nonroot]",
  "",
].join("\n");
const NO_OPTS = { opts: {} };
/** The answer the frontend gives for `request` once it has read `text` (target from `env.opts`). */
const answerFor = (request: string, filename: string, text: string, env: { opts: Opts }) =>
  subrequestAnswer(request, { filename, text }, { ...(env.opts.target ? { target: env.opts.target } : {}) });
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("frontend.subrequests.describe", () => {
  it("lists every request we answer, in BuildKit's Request shape", () => {
    const a = describeAnswer();
    const reqs = JSON.parse(a.json) as { name: string; version: string; type: string; metadata: unknown }[];
    expect(reqs.map((r) => r.name)).toEqual([
      "frontend.outline",
      "frontend.targets",
      "frontend.lint",
      "frontend.subrequests.describe",
    ]);
    expect(reqs.every((r) => r.version === (r.name === "frontend.outline" ? "1.1.0" : "1.0.0"))).toBe(true);
    expect(reqs.every((r) => r.type === "rpc")).toBe(true);
    expect(reqs[0]).toEqual({
      name: "frontend.outline",
      version: "1.1.0",
      type: "rpc",
      description: "List all parameters current build target supports",
      opts: [{ name: "target", description: "Target build stage" }],
      inputs: null,
      metadata: [
        { name: "result.json", description: "" },
        { name: "result.txt", description: "" },
      ],
      refs: null,
    });
    expect(a.version).toBe("1.0.0");
  });

  it("prints like subrequests.PrintDescribe", () => {
    expect(describeAnswer().text).toBe(
      [
        "NAME                 VERSION DESCRIPTION",
        "outline              1.1.0   List all parameters current build target supports",
        "targets              1.0.0   List all targets current build supports",
        "lint                 1.0.0   Lint a scratchkit manifest",
        "subrequests.describe 1.0.0   List available subrequest types",
        "",
      ].join("\n"),
    );
  });
});

describe("frontend.targets", () => {
  const a = answerFor("frontend.targets", "scratchkit.yaml", MANIFEST, NO_OPTS);

  it("lists the targets, the first as the default, with their locations and the source", () => {
    expect(JSON.parse(a.json)).toEqual({
      targets: [
        {
          name: "hello",
          default: true,
          location: { ranges: [{ start: { line: 12 }, end: { line: 12, character: 18 } }] },
        },
        {
          name: "cli",
          description: "The command-line tool",
          location: { ranges: [{ start: { line: 14, character: 2 }, end: { line: 17, character: 25 } }] },
        },
      ],
      sources: [b64(MANIFEST)],
    });
  });

  it("prints like targets.PrintTargets", () => {
    expect(a.text).toBe(
      "TARGET          DESCRIPTION\nhello (default) \ncli             The command-line tool\n",
    );
    expect(a.statusCode).toBeUndefined();
  });
});

describe("frontend.outline", () => {
  it("describes args (with comments), secrets and caches of the default target", () => {
    const a = answerFor("frontend.outline", "scratchkit.yaml", MANIFEST, NO_OPTS);
    const runAt = { ranges: [{ start: { line: 9, character: 11 }, end: { line: 9, character: 47 } }] };
    expect(JSON.parse(a.json)).toEqual({
      name: "hello",
      args: [
        {
          name: "GREETING",
          description: "Greeting the program prints",
          value: "hello",
          location: { ranges: [{ start: { line: 4, character: 2 }, end: { line: 4, character: 10 } }] },
        },
        {
          name: "VERSION",
          location: { ranges: [{ start: { line: 5, character: 2 }, end: { line: 5, character: 9 } }] },
        },
      ],
      secrets: [
        { name: "token", required: true, location: runAt },
        { name: "npmrc", location: runAt },
      ],
      cache: [{ ID: "cc", location: runAt }],
      // what --build-context can replace: the build image, located at build.image
      contexts: [
        {
          name: "alpine",
          usedBy: "build.image",
          location: { ranges: [{ start: expect.objectContaining({ line: 7 }), end: expect.anything() }] },
        },
      ],
      sources: [b64(MANIFEST)],
    });
    expect(a.json).not.toContain('"ssh"');
  });

  it("prints like outline.PrintOutline", () => {
    const a = answerFor("frontend.outline", "scratchkit.yaml", MANIFEST, NO_OPTS);
    expect(a.text).toBe(
      [
        "TARGET: hello",
        "",
        "BUILD ARG   VALUE   DESCRIPTION",
        "GREETING    hello   Greeting the program prints",
        "VERSION             ",
        "",
        "SECRET   REQUIRED",
        "token    true",
        "npmrc    ",
        "",
        "NAMED CONTEXT   USED BY",
        "alpine          build.image",
        "",
        "",
      ].join("\n"),
    );
  });

  it("lists the platform args with this build's values (a platform list joins them)", () => {
    const a = subrequestAnswer(
      "frontend.outline",
      { filename: "scratchkit.yaml", text: MANIFEST },
      {
        buildPlatform: { os: "linux", architecture: "amd64" },
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm", variant: "v7" },
        ],
      },
    );
    const args = (JSON.parse(a.json) as { args: Array<{ name: string; value?: string }> }).args;
    expect(Object.fromEntries(args.slice(2).map((x) => [x.name, x.value]))).toEqual({
      BUILDPLATFORM: "linux/amd64",
      BUILDOS: "linux",
      BUILDARCH: "amd64",
      BUILDVARIANT: undefined,
      TARGETPLATFORM: "linux/amd64,linux/arm/v7",
      TARGETOS: "linux",
      TARGETARCH: "amd64,arm",
      TARGETVARIANT: "v7",
    });
    expect(a.text).toMatch(/\nTARGETARCH +amd64,arm +platform arg, set by the build\n/);
  });

  it("follows --target, with the target's description", () => {
    const a = answerFor("frontend.outline", "scratchkit.yaml", MANIFEST, { opts: { target: "cli" } });
    expect(a.text).toMatch(/^TARGET:      cli\nDESCRIPTION: The command-line tool\n\n/);
  });

  it("names the targets there are when --target names none of them", () => {
    expect(() =>
      answerFor("frontend.outline", "scratchkit.yaml", MANIFEST, { opts: { target: "nope" } }),
    ).toThrow(`target "nope" not found; the manifest defines hello, cli`);
  });

  it("fails on a manifest that does not parse, with the manifest as the error's source", () => {
    let err: unknown;
    try {
      answerFor("frontend.outline", "scratchkit.yaml", "build:\n  pakages: [gcc]\n", NO_OPTS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrontendError);
    expect((err as FrontendError).message).toContain("scratchkit.yaml:2:3: unknown key build.pakages");
    expect((err as FrontendError).source?.ranges[0]).toEqual({ start: 2, end: 2 });
  });
});

describe("frontend.lint", () => {
  const a = answerFor("frontend.lint", "scratchkit.yaml", MANIFEST, NO_OPTS);

  it("gives BuildKit's LintResults with rule, URL, detail and location", () => {
    const r = JSON.parse(a.json);
    expect(r.sources).toEqual([{ filename: "scratchkit.yaml", data: b64(MANIFEST), language: "YAML" }]);
    expect(r.warnings.map((w: { ruleName: string }) => w.ruleName)).toEqual([
      "UnpinnedBaseImage",
      "UnstrippedBuild",
      "RunsAsRoot",
    ]);
    expect(r.warnings[0]).toEqual({
      ruleName: "UnpinnedBaseImage",
      description: "The build image should be pinned to a version tag or a digest",
      url: "https://github.com/scratchkit/scratchkit#unpinnedbaseimage",
      detail:
        "build.image alpine has no tag, so it means latest; pin a version (alpine:<version>) or a digest (alpine@sha256:...) so the toolchain does not change between builds",
      location: { ranges: [{ start: { line: 7, character: 9 }, end: { line: 7, character: 15 } }] },
    });
    expect(r.buildError).toBeUndefined();
  });

  it("sets result.statuscode 1 when there are findings, 0 when there are none", () => {
    expect(a.statusCode).toBe(1);
    const clean = MANIFEST.replace("image: alpine", "image: alpine:3.22")
      .replace("-Os -o", "-Os -s -o")
      .replace("artifacts: [hello]\ntargets", "artifacts: [hello]\nessentials: [nonroot]\ntargets");
    const c = answerFor("frontend.lint", "scratchkit.yaml", clean, NO_OPTS);
    expect(JSON.parse(c.json).warnings).toEqual([]);
    expect(c.statusCode).toBe(0);
    expect(c.text).toBe("");
  });

  it("prints like lint.PrintLintViolations: rule, URL, detail, then the lines", () => {
    expect(a.text.split("\n").slice(0, 11)).toEqual([
      "",
      "WARNING: UnpinnedBaseImage - https://github.com/scratchkit/scratchkit#unpinnedbaseimage",
      "build.image alpine has no tag, so it means latest; pin a version (alpine:<version>) or a digest (alpine@sha256:...) so the toolchain does not change between builds",
      "scratchkit.yaml:7",
      "--------------------",
      "   5 |       VERSION:",
      "   6 |     build:",
      "   7 | >>>   image: alpine",
      "   8 |       run:",
      "   9 |         - run: cc -static -Os -o /out/hello hello.c",
      "--------------------",
    ]);
  });

  it("reports a manifest that does not parse as buildError, with status 1", () => {
    const e = answerFor("frontend.lint", "scratchkit.yaml", "build:\n  pakages: [gcc]\n", NO_OPTS);
    const r = JSON.parse(e.json);
    expect(r.warnings).toEqual([]);
    expect(r.buildError.message).toContain(
      "scratchkit.yaml:2:3: unknown key build.pakages; did you mean build.packages?",
    );
    expect(r.buildError.location.ranges[0]).toEqual({
      start: { line: 2, character: 2 },
      end: { line: 2, character: 9 },
    });
    expect(e.statusCode).toBe(1);
  });

  it("reports the mount problems a build refuses as buildError at their line, with status 1", () => {
    const text = [
      "name: hello",
      "build:",
      "  image: scratchkit/toolchain:bookworm",
      "  package-manager: none",
      "  run:",
      "    - run: make",
      "      cache: [/out/cache]",
      "artifacts: [hello]",
      "",
    ].join("\n");
    const e = answerFor("frontend.lint", "scratchkit.yaml", text, NO_OPTS);
    const r = JSON.parse(e.json);
    expect(r.buildError.message).toBe(
      "scratchkit.yaml:7:15: cache /out/cache: /out/cache is inside /out, the output directory (it would hide the artifacts)",
    );
    expect(r.buildError.location.ranges[0].start).toEqual({ line: 7, character: 14 });
    expect(e.statusCode).toBe(1);
  });
});

describe("Go-compatible printing", () => {
  it("tabulate pads every cell but the last, like text/tabwriter", () => {
    expect(
      tabulate(
        [
          ["a", "bb", "c"],
          ["ccc", "", "dd"],
        ],
        3,
      ),
    ).toBe("a     bb   c\nccc        dd\n");
    expect(
      tabulate(
        [
          ["NAME", "ü"],
          ["ü", "x"],
        ],
        1,
      ),
    ).toBe("NAME ü\nü    x\n");
  });

  it("printSource widens like errdefs.Source.Print: 4 lines around one, 2 around a range", () => {
    const text = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const one = printSource("f", text, [{ line: 5, col: 1, endLine: 5, endCol: 1 }]);
    expect(one.split("\n").filter((l) => l.includes("|"))).toHaveLength(5);
    expect(one).toContain("   5 | >>> 5\n");
    const many = printSource("f", text, [{ line: 2, col: 1, endLine: 4, endCol: 1 }]);
    expect(many.split("\n").filter((l) => l.includes(">>>"))).toHaveLength(3);
    expect(many.startsWith("f:2\n--------------------\n   1 |     1\n")).toBe(true);
    expect(printSource("f", text, [])).toBe("");
  });

  it("ranges use BuildKit's 0-based characters with an exclusive end", () => {
    expect(rangeOf({ line: 3, col: 1, endLine: 3, endCol: 5 })).toEqual({
      start: { line: 3 },
      end: { line: 3, character: 5 },
    });
  });
});

describe("subrequests over a fake LLBBridge", () => {
  let bridge: FakeBridge;
  let client: BridgeClient;
  const caps = capsFromPong({
    FrontendAPICaps: ["solve.base", "readfile", "frontend.inputs"].map((ID) => ({ ID, Enabled: true })),
    LLBCaps: [],
  });
  /** The frontend as BuildKit starts it for `--call request`. */
  const fe = (request: string) =>
    new GatewayClient(client, {
      opts: { filename: "scratchkit.yaml", requestid: request },
      sessionId: "s",
      workers: [],
      caps,
    });

  beforeAll(async () => {
    bridge = await startFakeBridge({
      Inputs: () => ({ Definitions: {} }),
      Solve: () => ({ result: { ref: { id: "manifest" } } }),
      ReadFile: (req: moby.buildkit.v1.frontend.ReadFileRequest) => {
        if (req.Ref === "manifest" && req.FilePath === "scratchkit.yaml")
          return { Data: Buffer.from(MANIFEST) };
        throw missingFileAnswer("ReadFile", req.FilePath);
      },
      Return: () => ({}),
    });
    client = new BridgeClient(bridge.address);
  });
  afterAll(async () => {
    client.close();
    await bridge.stop();
  });

  it("reads the manifest like a build and returns metadata only", async () => {
    const res = await frontendResult(fe("frontend.targets"));
    expect(res.ref).toBeUndefined();
    expect(Object.keys(res.metadata ?? {}).sort()).toEqual(["result.json", "result.txt", "version"]);
    expect(new TextDecoder().decode(res.metadata?.["result.txt"])).toContain("hello (default)");
    const local = moby.buildkit.v1.frontend.SolveRequest.create(bridge.calls.Solve?.at(-1)).Definition;
    expect(local?.def?.length).toBeGreaterThan(0);
  });

  it("lint carries result.statuscode", async () => {
    const res = await frontendResult(fe("frontend.lint"));
    expect(new TextDecoder().decode(res.metadata?.["result.statuscode"])).toBe("1");
  });

  it("describe reads nothing", async () => {
    const before = bridge.calls.Solve?.length ?? 0;
    const res = await frontendResult(fe("frontend.subrequests.describe"));
    expect(new TextDecoder().decode(res.metadata?.["result.txt"])).toMatch(/^NAME\s+VERSION\s+DESCRIPTION\n/);
    expect(bridge.calls.Solve?.length ?? 0).toBe(before);
  });

  it("returns the result through Return", async () => {
    await serve(client, fe("frontend.outline"));
    const ret = bridge.calls.Return?.at(-1) as moby.buildkit.v1.frontend.ReturnRequest;
    expect(ret.result?.ref).toBeFalsy();
    expect(new TextDecoder().decode(ret.result?.metadata?.version)).toBe("1.1.0");
  });

  it("answers an unknown request with BuildKit's unsupported-subrequest error", async () => {
    await serve(client, fe("frontend.convertllb"));
    const ret = bridge.calls.Return?.at(-1) as moby.buildkit.v1.frontend.ReturnRequest;
    expect(ret.error?.message).toBe("unsupported request frontend.convertllb");
    expect(ret.error?.details?.[0]?.type_url).toBe(SUBREQUEST_DETAIL_TYPE_URL);
    expect(JSON.parse(Buffer.from(ret.error?.details?.[0]?.value ?? []).toString())).toEqual({
      name: "frontend.convertllb",
    });
    expect(unsupportedStatus("x").code).not.toBe(0);
  });
});
