// The local registry (127.0.0.1:5000, started by deploy/engine.sh) as a build cache and as
// the place `# syntax=` resolves the frontend from. Repositories under ctx10/ only.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildx,
  context,
  docker,
  FRONTEND,
  HELLO_C,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const REGISTRY = "127.0.0.1:5000";
const CACHE = `${REGISTRY}/ctx10/cache`;
const REMOTE_FRONTEND = `${REGISTRY}/ctx10/frontend:e2e`;

/** The registry answers its API root (it is started by deploy/engine.sh). */
function registryProblem(): string | undefined {
  const r = spawnSync("curl", ["-fsS", "-o", "/dev/null", `http://${REGISTRY}/v2/`], { encoding: "utf8" });
  return r.status === 0 ? undefined : `no registry on ${REGISTRY} (run: npm run engine): ${r.stderr}`;
}

const problem =
  suiteProblem() ??
  (() => {
    const p = registryProblem();
    if (p && process.env.CI) throw new Error(`registry tests must run in CI, but: ${p}`);
    if (p) console.warn(`SKIPPING registry tests: ${p}`);
    return p;
  })();
const { tag, cleanup } = tagger("registry-");

const body = [
  "name: hello",
  "build:",
  `  image: ${TOOLCHAIN}`,
  "  package-manager: none",
  "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
];

describe.skipIf(problem !== undefined)("the local registry as cache and frontend source", () => {
  afterAll(cleanup);

  it("--cache-from reaches the build: buildx imports the registry cache the first build exported", () => {
    const dir = context({ "scratchkit.yaml": manifest(...body), "hello.c": HELLO_C });
    const first = buildx(
      [
        "-f",
        "scratchkit.yaml",
        "--cache-to",
        `type=registry,ref=${CACHE},mode=max`,
        "-t",
        tag("cache"),
        "--load",
        ".",
      ],
      dir,
    );
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain("writing cache image manifest");
    const second = buildx(["-f", "scratchkit.yaml", "--cache-from", `type=registry,ref=${CACHE}`, "."], dir);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain(`importing cache manifest from ${CACHE}`);
  });

  describe("# syntax= naming the frontend in the registry", () => {
    beforeAll(() => {
      docker(["tag", FRONTEND, REMOTE_FRONTEND]);
      docker(["push", "-q", REMOTE_FRONTEND]);
      // The build must resolve the frontend from the registry, not find the local tag.
      docker(["image", "rm", REMOTE_FRONTEND]);
    });

    it("resolves and runs the frontend pushed to 127.0.0.1:5000", () => {
      const t = tag("syntax");
      const dir = context({
        "scratchkit.yaml": [`# syntax=${REMOTE_FRONTEND}`, ...body, ""].join("\n"),
        "hello.c": HELLO_C,
      });
      const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`resolve image config for docker-image://${REMOTE_FRONTEND}`);
      expect(docker(["run", "--rm", t]).trim()).toBe("hello");
    });
  });
});
