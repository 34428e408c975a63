// buildOnEngine / pushImage over a stand-in for dockerode that answers with streams recorded
// from the real engine (fixtures/engine-streams/).
import { readFileSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { BuildEvent } from "../../src/engine/build-events.js";
import { buildOnEngine, buildQuery, EngineBuildError } from "../../src/engine/engine-build.js";
import { pushImage } from "../../src/engine/engine-push.js";

const fixture = (name: string) => readFileSync(`test/unit/fixtures/engine-streams/${name}.jsonl`);

/** Answers /build and /push with these bytes (in 100-byte chunks, as a socket would). */
function engineAnswering(bytes: Buffer | Readable) {
  const calls: Array<Record<string, unknown>> = [];
  const bodies: unknown[] = [];
  const answer = () =>
    bytes instanceof Readable
      ? bytes
      : Readable.from(
          Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) =>
            bytes.subarray(i * 100, i * 100 + 100),
          ),
        );
  const docker = {
    buildImage: async (ctx: unknown, query: Record<string, unknown>) => {
      calls.push(query);
      bodies.push(ctx);
      return answer();
    },
    getImage: () => ({ push: async () => answer() }),
  };
  return { docker: docker as unknown as Docker, calls, bodies };
}

const context = () => Readable.from([Buffer.alloc(1024)]);

describe("buildOnEngine", () => {
  it("resolves with the image id of a successful build and streams its events", async () => {
    const { docker } = engineAnswering(fixture("dockerfile-success"));
    const events: BuildEvent[] = [];
    const result = await buildOnEngine(docker, context(), { manifest: "Dockerfile" }, (e) => events.push(e));
    expect(result).toEqual({
      imageId: "sha256:cac3631b4cc35c6a2c842978af76d46e2f99080e6f4d45e3de1a5cf35e02a82c",
      warnings: 0,
    });
    expect(events.some((e) => e.type === "vertex" && e.state === "completed")).toBe(true);
  });

  it("rejects with the engine's errorDetail when the stream carries one", async () => {
    const { docker } = engineAnswering(fixture("no-local-sources"));
    const err = await buildOnEngine(docker, context(), { manifest: "scratchkit.yaml" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineBuildError);
    expect((err as Error).message).toBe(
      "NotFound: cannot read the manifest scratchkit.yaml: ReadFile: no local sources enabled",
    );
  });

  it("rejects when the stream ends with neither an error nor an image id", async () => {
    const { docker } = engineAnswering(Buffer.from(""));
    await expect(buildOnEngine(docker, context(), { manifest: "scratchkit.yaml" })).rejects.toThrow(
      "the engine ended the build without an error or an image id",
    );
  });

  it("destroys the response stream when the signal aborts mid-build", async () => {
    const live = new PassThrough();
    live.write(fixture("dockerfile-success").subarray(0, 500));
    const { docker } = engineAnswering(live);
    const ac = new AbortController();
    const pending = buildOnEngine(docker, context(), { manifest: "Dockerfile", signal: ac.signal }, () =>
      ac.abort(new Error("stop")),
    );
    await expect(pending).rejects.toThrow("stop");
    expect(live.destroyed).toBe(true);
  });

  it("sends a remote build an empty body, not dockerode's JSON of the options", async () => {
    // dockerd holds back a /build response until the body is read, and nothing reads it for
    // a remote context: with dockerode's default JSON body the stream came back empty.
    const { docker, bodies, calls } = engineAnswering(fixture("dockerfile-success"));
    const result = await buildOnEngine(docker, undefined, {
      manifest: "scratchkit.yaml",
      remote: "git://127.0.0.1/repo.git#main:app",
    });
    expect(result.imageId).toMatch(/^sha256:/);
    expect(calls[0]?.remote).toBe("git://127.0.0.1/repo.git#main:app");
    const body = bodies[0];
    expect(body).toBeInstanceOf(Readable);
    const chunks: Buffer[] = [];
    for await (const c of body as Readable) chunks.push(Buffer.from(c as Uint8Array));
    expect(Buffer.concat(chunks).length).toBe(0);
  });

  it("needs a context or a remote", async () => {
    const { docker } = engineAnswering(Buffer.from(""));
    await expect(buildOnEngine(docker, undefined, { manifest: "scratchkit.yaml" })).rejects.toThrow(
      "buildOnEngine needs a context stream or opts.remote",
    );
  });
});

describe("buildQuery", () => {
  it("maps the options to the Engine API /build parameters, BuildKit always", () => {
    expect(
      buildQuery({
        manifest: "sub/scratchkit.yaml",
        tags: ["a:1", "b:2"],
        target: "t",
        platform: " linux/arm64 ",
        buildArgs: { X: "1" },
        labels: { l: "v" },
        noCache: true,
        sourceDateEpoch: 0,
        remote: "git://127.0.0.1/repo.git",
      }),
    ).toEqual({
      dockerfile: "sub/scratchkit.yaml",
      version: "2",
      t: ["a:1", "b:2"],
      target: "t",
      platform: "linux/arm64",
      buildargs: { X: "1", SOURCE_DATE_EPOCH: "0" },
      labels: { l: "v" },
      nocache: true,
      remote: "git://127.0.0.1/repo.git",
    });
    expect(buildQuery({ manifest: "scratchkit.yaml" })).toEqual({
      dockerfile: "scratchkit.yaml",
      version: "2",
    });
  });
});

describe("networkMode", () => {
  it("is sent as the Engine API's networkmode, and only when set", async () => {
    const { docker, calls } = engineAnswering(fixture("dockerfile-success"));
    await buildOnEngine(docker, context(), { manifest: "Dockerfile", networkMode: "none" });
    await buildOnEngine(docker, context(), { manifest: "Dockerfile" });
    expect(calls[0]?.networkmode).toBe("none");
    expect(calls[1]).not.toHaveProperty("networkmode");
  });
});

describe("one platform per Engine API build", () => {
  it("refuses a list before sending, as dockerd would answer 400", () => {
    expect(() => buildQuery({ manifest: "scratchkit.yaml", platform: "linux/amd64,linux/arm64" })).toThrow(
      "the Engine API builds one platform per request, not linux/amd64, linux/arm64: call buildOnEngine once per platform",
    );
  });
});

describe("pushImage", () => {
  it("resolves with the pushed digest", async () => {
    const { docker } = engineAnswering(fixture("push"));
    await expect(pushImage(docker, "127.0.0.1:5000/engineapi/fixture:recorded")).resolves.toBe(
      "sha256:0aa931ebe41c9487c392d49f566ec51c67d4901910ad15252375c433d449001c",
    );
  });

  it("rejects with the errorDetail of a failed push", async () => {
    const { docker } = engineAnswering(fixture("push-refused"));
    const err = await pushImage(docker, "127.0.0.1:1/engineapi/fixture:recorded").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineBuildError);
    expect((err as Error).message).toMatch(
      /^failed to do request: Head .*dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
    );
  });
});
