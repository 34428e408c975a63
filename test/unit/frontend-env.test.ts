// The environment each engine really gives the frontend, recorded by the frontend's debug
// log ("frontend environment") and kept in test/unit/fixtures/frontend-env/.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configOf } from "../../src/gateway/build-config.js";
import { parseFrontendEnv } from "../../src/gateway/opts.js";

function recorded(name: string): Record<string, string> {
  const url = new URL(`fixtures/frontend-env/${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { env: Record<string, string> }).env;
}

const BUILDKITD_PLATFORMS = [
  "linux/amd64",
  "linux/amd64/v2",
  "linux/amd64/v3",
  "linux/arm64",
  "linux/riscv64",
  "linux/ppc64le",
  "linux/s390x",
  "linux/386",
  "linux/arm/v7",
  "linux/arm/v6",
];
const ENGINE_PLATFORMS = [
  "linux/amd64",
  "linux/amd64/v2",
  "linux/amd64/v3",
  "linux/arm64",
  "linux/riscv64",
  "linux/ppc64le",
  "linux/s390x",
  "linux/arm",
  "linux/arm/v6",
];

const ids = (ps: { os: string; architecture: string; variant?: string }[]) =>
  ps.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"));

describe("the frontend environment each engine sends", () => {
  it.each([
    ["buildkitd-buildctl", "oci", BUILDKITD_PLATFORMS],
    ["buildkitd-buildx-remote", "oci", BUILDKITD_PLATFORMS],
    ["docker-engine", "containerd", ENGINE_PLATFORMS],
  ])("%s: the worker's id, labels and platforms (lowercase JSON keys) are read", (name, executor, plats) => {
    const fe = parseFrontendEnv(recorded(name));
    expect(fe.workers).toHaveLength(1);
    const [w] = fe.workers;
    expect(w?.id).toMatch(/^[a-z0-9]{25}$/);
    expect(w?.labels["org.mobyproject.buildkit.worker.executor"]).toBe(executor);
    expect(ids(w?.platforms ?? [])).toEqual(plats);
    expect(fe.sessionId).toMatch(/^[a-z0-9]{25}$/);
  });

  it("buildctl sends only what its command line says: no image-resolve-mode, cmdline or attest opts", () => {
    const fe = parseFrontendEnv(recorded("buildkitd-buildctl"));
    expect(Object.keys(fe.opts)).toEqual(["filename", "source"]);
    const config = configOf(fe);
    expect(config.imageResolveMode).toBe("default");
    expect(config.platforms).toEqual([{ os: "linux", architecture: "amd64" }]);
    expect(config.contextKey).toBe("context");
    expect(config.dockerfileKey).toBe("dockerfile");
  });

  it("the engine's # syntax= forwarder adds cmdline, image-resolve-mode=local and the provenance opt", () => {
    const fe = parseFrontendEnv(recorded("docker-engine"));
    expect(Object.keys(fe.opts)).toEqual([
      "attest:provenance",
      "cmdline",
      "filename",
      "image-resolve-mode",
      "source",
    ]);
    expect(configOf(fe).imageResolveMode).toBe("local");
  });

  it("buildx's remote driver adds the vcs opts and passes BUILDKIT_SYNTAX on as a build arg", () => {
    const fe = parseFrontendEnv(recorded("buildkitd-buildx-remote"));
    const config = configOf(fe);
    expect(config.vcs.revision).toMatch(/^[0-9a-f]{40}$/);
    expect([...config.buildArgs.keys()]).toEqual(["BUILDKIT_SYNTAX"]);
    expect(config.imageResolveMode).toBe("default");
  });
});
