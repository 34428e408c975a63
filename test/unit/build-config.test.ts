// Frontend options parsed once into a BuildConfig, and the FrontendClient's decorations.
import { describe, expect, it } from "vitest";
import { configOf, parseBuildConfig } from "../../src/gateway/build-config.js";
import { warnRequest } from "../../src/gateway/frontend-client.js";
import { OptsError, parseOpts } from "../../src/gateway/opts.js";
import { timedClient } from "../../src/gateway/timed-client.js";
import { MemoryClient } from "./fixtures/memory-client.js";

const opts = (...pairs: string[]) =>
  parseOpts(Object.fromEntries(pairs.map((p, i) => [`BUILDKIT_FRONTEND_OPT_${i}`, p])));
const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };

describe("parseBuildConfig", () => {
  it("gives the defaults BuildKit's dockerui gives when no option is set", () => {
    expect(parseBuildConfig(opts(), [ARM64])).toEqual({
      filename: "scratchkit.yaml",
      platforms: [ARM64],
      buildPlatform: ARM64,
      multiPlatform: false,
      buildArgs: new Map(),
      labels: new Map(),
      network: "sandbox",
      imageResolveMode: "default",
      sbom: false,
      cacheImports: [],
      vcs: {},
      namedContexts: new Map(),
      contextKey: "context",
      dockerfileKey: "dockerfile",
      context: { kind: "local", key: "context" },
      keepGitDir: false,
    });
    // no worker: linux/amd64
    expect(parseBuildConfig(opts(), []).platforms).toEqual([AMD64]);
  });

  it("reads every option once into its typed field", () => {
    const c = parseBuildConfig(
      opts(
        "filename=app.yaml",
        "target=cli",
        "platform=arm64",
        "build-arg:B=2",
        "build-arg:A=1",
        "build-arg:SOURCE_DATE_EPOCH=1700000000",
        "label:org.example=x",
        "no-cache=build,other",
        "force-network-mode=none",
        "image-resolve-mode=pull",
        'cache-imports=[{"Type":"registry","Attrs":{"ref":"r/c"}}]',
        "vcs:source=https://example.com/repo.git",
        "vcs:revision=abc123",
        "context:base=docker-image://alpine:3.22",
        "context:src=local:src",
        "context:gh=https://github.com/o/r.git",
        "context:weird=whatever",
        "requestid=frontend.outline",
        "contextkey=ctx",
        "dockerfilekey=def",
      ),
      [AMD64],
    );
    expect(c.filename).toBe("app.yaml");
    expect(c.target).toBe("cli");
    expect(c.platforms).toEqual([ARM64]);
    expect([...c.buildArgs]).toEqual([
      ["A", "1"],
      ["B", "2"],
      ["SOURCE_DATE_EPOCH", "1700000000"],
    ]);
    expect(Object.fromEntries(c.labels)).toEqual({ "org.example": "x" });
    expect(c.noCache).toEqual(["build", "other"]);
    expect(c.network).toBe("none");
    expect(c.imageResolveMode).toBe("pull");
    expect(c.epoch).toBe(1700000000);
    expect(c.cacheImports).toEqual([{ type: "registry", attrs: { ref: "r/c" } }]);
    expect(c.vcs).toEqual({ source: "https://example.com/repo.git", revision: "abc123" });
    expect(Object.fromEntries(c.namedContexts)).toEqual({
      base: { kind: "docker-image", ref: "alpine:3.22" },
      src: { kind: "local", ref: "src" },
      gh: { kind: "git", ref: "https://github.com/o/r.git" },
      weird: { kind: "other", ref: "whatever" },
    });
    expect(c.requestId).toBe("frontend.outline");
    expect(c.contextKey).toBe("ctx");
    expect(c.dockerfileKey).toBe("def");
  });

  it("keeps an opt whose name is a number (the shared sorted record is not strict here)", () => {
    const o = opts("0=zero", "label:1=one", "b=x", "b=y");
    expect(o["0"]).toBe("zero");
    expect(o.b).toBe("y");
    expect(Object.fromEntries(parseBuildConfig(o, []).labels)).toEqual({ "1": "one" });
  });

  it("attest:sbom as buildx sends it: --sbom=true is on, disabled=true (--sbom=false) is off", () => {
    expect(parseBuildConfig(opts("attest:sbom="), [ARM64]).sbom).toBe(true);
    expect(parseBuildConfig(opts("attest:sbom=generator=docker/buildkit-syft-scanner"), [ARM64]).sbom).toBe(
      true,
    );
    expect(parseBuildConfig(opts("attest:sbom=disabled=true"), [ARM64]).sbom).toBe(false);
    expect(() => parseBuildConfig(opts("attest:sbom=disabled=maybe"), [ARM64])).toThrow(/attest:sbom/);
  });

  it("--no-cache with no names means everything", () => {
    expect(parseBuildConfig(opts("no-cache="), []).noCache).toBe(true);
  });

  it("an invalid option fails the whole parse with OptsError", () => {
    for (const bad of [
      "force-network-mode=bridge",
      "image-resolve-mode=always",
      "build-arg:SOURCE_DATE_EPOCH=yesterday",
      "cache-imports=nope",
      "platform=linux/amd64/v2/x",
    ]) {
      expect(() => parseBuildConfig(opts(bad), []), bad).toThrow(OptsError);
    }
  });

  it("keys results by platform for several platforms or multi-platform=true; a repeated platform is built once", () => {
    const two = parseBuildConfig(opts("platform=linux/arm64,amd64,linux/aarch64"), [AMD64]);
    expect(two.platforms).toEqual([ARM64, AMD64]);
    expect(two.buildPlatform).toEqual(AMD64);
    expect(two.multiPlatform).toBe(true);
    expect(parseBuildConfig(opts("multi-platform=true"), [AMD64]).multiPlatform).toBe(true);
    expect(parseBuildConfig(opts("multi-platform=0", "platform=arm64"), [AMD64]).multiPlatform).toBe(false);
    expect(() => parseBuildConfig(opts("multi-platform=maybe"), [AMD64])).toThrow(
      'invalid multi-platform "maybe" (expected true or false)',
    );
  });

  it("configOf takes the first worker's platforms", () => {
    expect(
      configOf({ opts: opts(), workers: [{ id: "w", labels: {}, platforms: [ARM64, AMD64] }] }).platforms,
    ).toEqual([ARM64]);
  });
});

describe("warnRequest", () => {
  it("fills in BuildKit's warning level and empty detail and ranges", () => {
    const w = warnRequest({ digest: "sha256:d", message: "short" });
    expect(w.level).toBe(1);
    expect(new TextDecoder().decode(w.short ?? undefined)).toBe("short");
    expect(w.detail).toEqual([]);
    expect(w.ranges).toEqual([]);
    expect(w.info).toBeUndefined();
    expect(warnRequest({ digest: "d", message: "m", level: 2 }).level).toBe(2);
  });
});

describe("timedClient", () => {
  it("counts and times each call, including reads through the refs it returns", async () => {
    const inner = new MemoryClient({
      refs: { r1: { a: "1", b: "2" } },
      resolveImageConfig: async () => {
        throw new Error("no registry");
      },
    });
    const rpcs: Record<string, number[]> = {};
    const calls: Array<[string, number, number]> = [];
    const client = timedClient(inner, performance.now(), rpcs, calls);
    const solved = await client.solve({});
    expect(solved.id).toBe("r1");
    await solved.readFile("a");
    await solved.readFile("b");
    await solved.readDir("/");
    await expect(client.resolveImageConfig("x")).rejects.toThrow("no registry");
    expect(Object.fromEntries(Object.entries(rpcs).map(([k, v]) => [k, v[0]]))).toEqual({
      solve: 1,
      readFile: 2,
      readDir: 1,
      resolveImageConfig: 1,
    });
    for (const [n, ms, first, last] of Object.values(rpcs)) {
      expect(n).toBeGreaterThan(0);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(last).toBeGreaterThanOrEqual(first as number);
    }
    // and each call on its own, in the order they ended
    expect(calls.map(([m]) => m)).toEqual(["solve", "readFile", "readFile", "readDir", "resolveImageConfig"]);
    for (const [, start, end] of calls) expect(end).toBeGreaterThanOrEqual(start);
  });
});
