import { describe, expect, it } from "vitest";
import {
  buildArgs,
  cacheImports,
  contextKey,
  dockerfileKey,
  filename,
  forceNetworkMode,
  imageResolveMode,
  labels,
  noCache,
  OptsError,
  parseFrontendEnv,
  parseOpts,
  parsePlatform,
  platforms,
  requestId,
  sourceDateEpoch,
  target,
} from "../../src/gateway/opts.js";

const optEnv = (pairs: string[]): Record<string, string> =>
  Object.fromEntries(pairs.map((p, i) => [`BUILDKIT_FRONTEND_OPT_${i}`, p]));

describe("parseOpts", () => {
  it("splits at the first '=' and keeps empty values", () => {
    const opts = parseOpts(
      optEnv(["build-arg:A=x=y=z", "no-cache=", "filename=scratchkit.yaml", "label:org.example=a=b", "bare"]),
    );
    expect(opts["build-arg:A"]).toBe("x=y=z");
    expect(opts["no-cache"]).toBe("");
    expect("no-cache" in opts).toBe(true);
    expect(opts["label:org.example"]).toBe("a=b");
    expect(opts.bare).toBe("");
    expect(opts.filename).toBe("scratchkit.yaml");
  });

  it("does not depend on env iteration order or indices", () => {
    const pairs = ["target=app", "platform=linux/amd64", "build-arg:B=2", "build-arg:A=1", "cmdline=x"];
    const a = parseOpts(optEnv(pairs));
    const shuffled = Object.fromEntries(
      pairs.map((p, i) => [`BUILDKIT_FRONTEND_OPT_${(i * 7) % 11}`, p]).reverse(),
    );
    const b = parseOpts(shuffled);
    expect(Object.entries(b)).toEqual(Object.entries(a));
    expect(Object.keys(a)).toEqual([...Object.keys(a)].sort());
  });

  it("ignores unrelated variables and tolerates a __proto__ key", () => {
    const opts = parseOpts({
      PATH: "/bin",
      BUILDKIT_FRONTEND_OPT_0: "__proto__=x",
      BUILDKIT_SESSION_ID: "s",
    });
    expect(Object.keys(opts)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(opts, "__proto__")?.value).toBe("x");
  });

  it("resolves duplicate keys by index, not env order", () => {
    const env1 = { BUILDKIT_FRONTEND_OPT_1: "k=late", BUILDKIT_FRONTEND_OPT_0: "k=early" };
    const env2 = { BUILDKIT_FRONTEND_OPT_0: "k=early", BUILDKIT_FRONTEND_OPT_1: "k=late" };
    expect(parseOpts(env1).k).toBe("late");
    expect(parseOpts(env2).k).toBe("late");
  });
});

describe("parseFrontendEnv", () => {
  it("reads session, workers and product", () => {
    const env = parseFrontendEnv({
      ...optEnv(["image-resolve-mode=local"]),
      BUILDKIT_SESSION_ID: "sess1",
      BUILDKIT_EXPORTEDPRODUCT: "buildkitd",
      BUILDKIT_WORKERS: JSON.stringify([
        {
          ID: "w1",
          Labels: { "org.mobyproject.buildkit.worker.executor": "oci" },
          Platforms: [
            { architecture: "amd64", os: "linux" },
            { architecture: "arm", os: "linux", variant: "v7" },
          ],
        },
      ]),
    });
    expect(env.sessionId).toBe("sess1");
    expect(env.opts["image-resolve-mode"]).toBe("local");
    expect(env.workers).toEqual([
      {
        id: "w1",
        labels: { "org.mobyproject.buildkit.worker.executor": "oci" },
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm", variant: "v7" },
        ],
      },
    ]);
  });

  it("treats missing workers as none and rejects malformed ones clearly", () => {
    expect(parseFrontendEnv({}).workers).toEqual([]);
    expect(parseFrontendEnv({}).sessionId).toBe("");
    expect(() => parseFrontendEnv({ BUILDKIT_WORKERS: "[{" })).toThrow(/BUILDKIT_WORKERS is not valid JSON/);
    expect(() => parseFrontendEnv({ BUILDKIT_WORKERS: "{}" })).toThrow(OptsError);
    expect(() => parseFrontendEnv({ BUILDKIT_WORKERS: '[{"Platforms":[{"os":"linux"}]}]' })).toThrow(
      /platforms\[0\]/,
    );
  });
});

describe("opt helpers", () => {
  const o = (...pairs: string[]) => parseOpts(optEnv(pairs));

  it("collects build args and labels without prefixes", () => {
    const opts = o("build-arg:Z=1", "build-arg:A=", "label:x=y", "target=t");
    expect([...buildArgs(opts)]).toEqual([
      ["A", ""],
      ["Z", "1"],
    ]);
    expect(Object.fromEntries(labels(opts))).toEqual({ x: "y" });
  });

  it("has simple string opts with defaults", () => {
    expect(target(o())).toBeUndefined();
    expect(target(o("target=app"))).toBe("app");
    expect(filename(o())).toBeUndefined();
    expect(filename(o("filename=sub/scratchkit.yaml"))).toBe("sub/scratchkit.yaml");
    expect(contextKey(o())).toBe("context");
    expect(dockerfileKey(o())).toBe("dockerfile");
    expect(contextKey(o("contextkey=ctx2"))).toBe("ctx2");
    expect(dockerfileKey(o("dockerfilekey=df2"))).toBe("df2");
    expect(requestId(o("requestid=frontend.outline"))).toBe("frontend.outline");
  });

  it("reads no-cache: absent, all, or named", () => {
    expect(noCache(o())).toBeUndefined();
    expect(noCache(o("no-cache="))).toBe(true);
    expect(noCache(o("no-cache=a,b"))).toEqual(["a", "b"]);
  });

  it("validates network and resolve modes", () => {
    expect(forceNetworkMode(o())).toBe("sandbox");
    expect(forceNetworkMode(o("force-network-mode=none"))).toBe("none");
    expect(forceNetworkMode(o("force-network-mode=host"))).toBe("host");
    expect(() => forceNetworkMode(o("force-network-mode=bridge"))).toThrow(/force-network-mode "bridge"/);
    expect(imageResolveMode(o())).toBe("default");
    expect(imageResolveMode(o("image-resolve-mode=local"))).toBe("local");
    expect(() => imageResolveMode(o("image-resolve-mode=never"))).toThrow(OptsError);
  });

  it("parses cache imports, new and legacy", () => {
    const opts = o(
      'cache-imports=[{"Type":"registry","Attrs":{"ref":"r/cache:1"}},{"Type":"gha"}]',
      "cache-from=a/b:c,d/e:f",
    );
    expect(cacheImports(opts)).toEqual([
      { type: "registry", attrs: { ref: "r/cache:1" } },
      { type: "gha", attrs: {} },
      { type: "registry", attrs: { ref: "a/b:c" } },
      { type: "registry", attrs: { ref: "d/e:f" } },
    ]);
    expect(() => cacheImports(o("cache-imports=nope"))).toThrow(/cache-imports is not valid JSON/);
  });

  it("parses SOURCE_DATE_EPOCH", () => {
    expect(sourceDateEpoch(o())).toBeUndefined();
    expect(sourceDateEpoch(o("build-arg:SOURCE_DATE_EPOCH="))).toBeUndefined();
    expect(sourceDateEpoch(o("build-arg:SOURCE_DATE_EPOCH=1700000000"))).toBe(1700000000);
    expect(() => sourceDateEpoch(o("build-arg:SOURCE_DATE_EPOCH=yesterday"))).toThrow(/SOURCE_DATE_EPOCH/);
  });

  it("parses and normalizes platforms", () => {
    expect(platforms(o())).toBeUndefined();
    expect(platforms(o("platform=linux/amd64,linux/arm64/v8,linux/arm,linux/x86_64"))).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      { os: "linux", architecture: "arm", variant: "v7" },
      { os: "linux", architecture: "amd64" },
    ]);
    expect(parsePlatform("arm64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("linux", { os: "linux", architecture: "aarch64" })).toEqual({
      os: "linux",
      architecture: "arm64",
    });
    expect(() => parsePlatform("linux/amd64/v2/x")).toThrow(/invalid platform/);
    expect(() => parsePlatform("")).toThrow(OptsError);
  });
});
