// The Docker Engine API path every Node tool takes (dockerode buildImage with a tar stream,
// BuildKit's version 2), through our buildOnEngine / pushImage, on the real engine.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import {
  type BuildEvent,
  buildOnEngine,
  EngineBuildError,
  type EngineBuildResult,
} from "../../src/engine/engine-build.js";
import { pushImage } from "../../src/engine/engine-push.js";
import { runImage } from "../../src/engine/image-contents.js";
import {
  FRONTEND,
  HELLO_C,
  imageExists,
  manifest,
  removeImage,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";
import { filesOf, tarContext } from "./engine-api.js";

const problem = suiteProblem();
const docker = connectDocker();
const { tag, cleanup } = tagger("engineapi-");
const REGISTRY = "127.0.0.1:5000";

type Vertex = Extract<BuildEvent, { type: "vertex" }>;
const vertexes = (events: BuildEvent[]) => events.filter((e): e is Vertex => e.type === "vertex");

/** examples/hello as a tar stream, loading our frontend image. */
function helloContext(): NodeJS.ReadableStream {
  const files = filesOf(join(import.meta.dirname, "../../examples/hello"));
  const yaml = files["scratchkit.yaml"]?.toString("utf8") ?? "";
  files["scratchkit.yaml"] = Buffer.from(yaml.replace(/^# syntax=.*$/m, `# syntax=${FRONTEND}`));
  return tarContext(files);
}

const helloManifest = (run: string) =>
  manifest(
    "name: hello",
    "build:",
    `  image: ${TOOLCHAIN}`,
    "  package-manager: none",
    `  run: ${run}`,
    "artifacts: [hello]",
  );

describe.skipIf(problem !== undefined)("builds over the Docker Engine API", () => {
  afterAll(cleanup);

  describe("examples/hello as a tar stream", () => {
    const t = tag("hello");
    const events: BuildEvent[] = [];
    let result: EngineBuildResult | undefined;
    let failure: unknown;
    beforeAll(async () => {
      result = await buildOnEngine(docker, helloContext(), { manifest: "scratchkit.yaml", tags: [t] }, (e) =>
        events.push(e),
      ).catch((e: unknown) => {
        failure = e;
        return undefined;
      });
    });

    it("builds an image that runs and prints its greeting", async () => {
      expect(failure).toBeUndefined();
      expect(result?.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      const run = await runImage(docker, t);
      expect([run.code, run.stdout]).toEqual([0, "hello\n"]);
    });

    it("streams the build step's vertex started, then completed", () => {
      const step = vertexes(events).filter((v) => v.name.startsWith("[build 1/1] musl-gcc"));
      expect(step.map((v) => v.state)).toEqual(["started", expect.stringMatching(/^(completed|cached)$/)]);
      const byDigest = new Map<string, string[]>();
      for (const v of vertexes(events)) byDigest.set(v.digest, [...(byDigest.get(v.digest) ?? []), v.state]);
      // Each vertex once started and once finished at most, though BuildKit re-sends them.
      for (const states of byDigest.values())
        expect(states.filter((s) => s === "started").length).toBeLessThan(2);
      expect([...byDigest.values()].some((s) => s.join() === "started,completed")).toBe(true);
    });
  });

  it("fails a bad manifest with its file:line:col in the EngineBuildError, and no image", async () => {
    const t = tag("bad-manifest");
    const files = {
      "scratchkit.yaml": manifest("build:", "  pakages: [gcc]", "  run: cc hello.c", "artifacts: [hello]"),
      "hello.c": HELLO_C,
    };
    const err = await buildOnEngine(docker, tarContext(files), {
      manifest: "scratchkit.yaml",
      tags: [t],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineBuildError);
    expect((err as Error).message).toContain(
      "scratchkit.yaml:3:3: unknown key build.pakages; did you mean build.packages?",
    );
    expect(imageExists(t)).toBe(false);
  });

  it("fails a dynamically linked artifact at the gate, with the artifact's line, and no image", async () => {
    const t = tag("gate-dynamic");
    const files = { "scratchkit.yaml": helloManifest("gcc -Os -o /out/hello hello.c"), "hello.c": HELLO_C };
    const events: BuildEvent[] = [];
    const err = await buildOnEngine(
      docker,
      tarContext(files),
      { manifest: "scratchkit.yaml", tags: [t], noCache: true },
      (e) => events.push(e),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineBuildError);
    expect((err as Error).message).toMatch(
      /scratchkit\.yaml:7:13: \/out\/hello is dynamically linked: interpreter \/lib64\/ld-linux-x86-64\.so\.2, needs libc\.so\.6/,
    );
    // The gate files its findings under the build step's vertex (it has none of its own).
    const step = vertexes(events).find((v) => v.name === "[build 1/1] gcc -Os -o /out/hello hello.c");
    expect(step?.state).toBe("started");
    const warning = events.find(
      (e) => e.type === "warning" && e.short.includes("/out/hello is not stripped"),
    );
    expect(warning).toMatchObject({ vertex: step?.digest });
    expect(imageExists(t)).toBe(false);
  });

  it("stops the build when the signal aborts, leaving no image", async () => {
    const t = tag("aborted");
    const files = {
      "scratchkit.yaml": helloManifest("sleep 15 && musl-gcc -static -o /out/hello hello.c"),
      "hello.c": HELLO_C,
    };
    const ac = new AbortController();
    const seen: string[] = [];
    const err = await buildOnEngine(
      docker,
      tarContext(files),
      { manifest: "scratchkit.yaml", tags: [t], noCache: true, signal: ac.signal },
      (e) => {
        if (e.type !== "vertex") return;
        seen.push(`${e.state} ${e.name}`);
        if (e.state === "started" && e.name.includes("sleep 15")) ac.abort(new Error("stopped by the test"));
      },
    ).catch((e: unknown) => e);
    expect((err as Error).message, seen.join("\n")).toBe("stopped by the test");
    // Had the engine gone on, the image would be there 15 s after the step started.
    await new Promise((r) => setTimeout(r, 20_000));
    expect(imageExists(t)).toBe(false);
  });

  it("pushes to the local registry and returns the digest the registry serves", async () => {
    const repo = `${REGISTRY}/engineapi/e2e-push`;
    const t = `${repo}:${randomBytes(4).toString("hex")}`;
    const files = { Dockerfile: "FROM scratch\nCOPY data /\n", data: randomBytes(1 << 20) };
    try {
      await buildOnEngine(docker, tarContext(files), { manifest: "Dockerfile", tags: [t] });
      const events: BuildEvent[] = [];
      const digest = await pushImage(docker, t, undefined, (e) => events.push(e));
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const res = await fetch(`http://${REGISTRY}/v2/engineapi/e2e-push/manifests/${t.split(":").pop()}`, {
        method: "HEAD",
        headers: {
          accept: [
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
          ].join(", "),
        },
      });
      expect(res.headers.get("docker-content-digest")).toBe(digest);
      expect(events.some((e) => e.type === "status" && e.total > 0)).toBe(true);
    } finally {
      removeImage(t);
    }
  });

  it("rejects a push the registry refuses with the engine's error", async () => {
    const err = await pushImage(docker, `${REGISTRY}/engineapi/never-built:none`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/No such image|not found|does not exist/i);
  });
});
