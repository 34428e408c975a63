// The build farm end to end: `scratchkit farm serve` over the main engine and a second
// Docker Engine started by deploy/engine2.sh, driven through the farm's gRPC client.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarDirectory } from "../../src/farm/client.js";
import { type BuildSpec, JobState } from "../../src/farm/types.js";
import { context, FRONTEND, HELLO_C, manifest, removeImage, suiteProblem, TOOLCHAIN } from "./engine.js";
import {
  allEvents,
  bundleCli,
  dockerOn,
  eventMatching,
  FarmProcess,
  MAIN_HOST,
  registriesConfig,
  startAuthRegistry,
  startEngine2,
  stopAuthRegistry,
  stopEngine2,
  TOKEN,
  waitJob,
  writeConfig,
} from "./farm-harness.js";

const problem = suiteProblem();
const PORT = 7300 + (process.pid % 600);

/** examples/hello's manifest; `sleep` makes the build run long enough to be caught running. */
function helloDir(opts: { sleep?: number; nonce?: string } = {}): string {
  const run = `${opts.sleep ? `sleep ${opts.sleep} && ` : ""}musl-gcc -static -Os -s -o /out/hello hello.c`;
  return context({
    "scratchkit.yaml": manifest(
      "name: hello",
      "build:",
      `  image: ${TOOLCHAIN}`,
      "  package-manager: none",
      `  run: ${run}`,
      "artifacts: [hello]",
    ),
    // A nonce in the source defeats BuildKit's cache where a test needs a real build.
    "hello.c": `${HELLO_C}/* ${opts.nonce ?? "farm"} */\n`,
  });
}

/** A one-commit repository (branch main) with these files, served by git daemon on 127.0.0.1. */
async function serveGit(files: Record<string, string>, port: number): Promise<ChildProcess> {
  const base = mkdtempSync(join(tmpdir(), "scratchkit-farm-git-"));
  const work = join(base, "work");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  const git = (...args: string[]) => execFileSync("git", ["-C", work, ...args], { stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "context");
  execFileSync("git", ["clone", "-q", "--bare", work, join(base, "repo.git")]);
  const daemon = spawn(
    "git",
    [
      "daemon",
      "--export-all",
      "--reuseaddr",
      `--base-path=${base}`,
      "--listen=127.0.0.1",
      `--port=${port}`,
      base,
    ],
    { stdio: "ignore" },
  );
  await new Promise((r) => setTimeout(r, 500));
  return daemon;
}

const REG_USER = "farm12";
const REG_PASSWORD = `farm12-registry-${process.pid}`;

// The images the jobs tag on this engine are removed when the suite ends.
const made = new Set<string>();
const tagOf = (name: string) => {
  const tag = `scratchkit-e2e/farm12-${name}:test`;
  made.add(tag);
  return tag;
};

describe.skipIf(problem)("build farm", () => {
  let engine2 = "";
  let registry = "";
  let cli = "";
  let farm: FarmProcess;
  const hosts: Record<string, string> = {};
  const client = () => farm.client();

  async function submitDir(dir: string, spec: BuildSpec = {}, token = TOKEN) {
    const c = farm.client(token);
    try {
      return await c.submit({ upload: true, manifest: "scratchkit.yaml", ...spec }, tarDirectory(dir));
    } finally {
      c.close();
    }
  }

  async function submitError(dir: string, spec: BuildSpec = {}, token = TOKEN): Promise<grpc.ServiceError> {
    try {
      await submitDir(dir, spec, token);
    } catch (err) {
      return err as grpc.ServiceError;
    }
    throw new Error("the farm accepted the job");
  }

  beforeAll(async () => {
    engine2 = startEngine2();
    hosts.main = MAIN_HOST;
    hosts.engine2 = engine2;
    // The farm must load the frontend image itself onto an engine that lacks it.
    dockerOn(engine2, ["image", "rm", "-f", FRONTEND]);
    registry = startAuthRegistry(REG_USER, REG_PASSWORD);
    cli = bundleCli();
    farm = new FarmProcess(
      cli,
      writeConfig(engine2, PORT, registriesConfig(registry, REG_USER, REG_PASSWORD)),
    );
    await farm.start();
  });

  afterAll(async () => {
    await farm?.stop();
    stopEngine2("down");
    stopAuthRegistry();
    for (const tag of made) removeImage(tag);
  });

  it("pushes to an htpasswd-protected registry with the config's credentials; a wrong password fails clearly", async () => {
    const tag = `${registry}/farm12/hello:auth`;
    made.add(tag);
    const job = await submitDir("examples/hello", { tags: [tag], push: true });
    const done = await waitJob(client, job.id as string);
    expect(done.state, JSON.stringify(done.error)).toBe(JobState.SUCCEEDED);
    const digest = done.result?.pushed?.[0]?.digest ?? "";
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const basic = `Basic ${Buffer.from(`${REG_USER}:${REG_PASSWORD}`).toString("base64")}`;
    const accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
    const head = await fetch(`http://${registry}/v2/farm12/hello/manifests/${digest}`, {
      method: "HEAD",
      headers: { Authorization: basic, Accept: accept },
    });
    expect(head.status).toBe(200);
    // The same registry through a farm whose config has the wrong password.
    const wrong = new FarmProcess(
      cli,
      writeConfig(engine2, PORT + 3, registriesConfig(registry, REG_USER, "not-the-password")),
    );
    await wrong.start();
    const wrongTag = `${registry}/farm12/hello:wrong`;
    made.add(wrongTag);
    try {
      const c = wrong.client();
      const job2 = await c.submit(
        { upload: true, tags: [wrongTag], push: true },
        tarDirectory("examples/hello"),
      );
      c.close();
      const failed = await waitJob(() => wrong.client(), job2.id as string);
      expect(failed.state).toBe(JobState.FAILED);
      expect(failed.error?.message).toMatch(/unauthorized|authentication required|no basic auth/i);
      expect(failed.error?.message).toContain(registry);
    } finally {
      await wrong.stop();
    }
  });

  it("builds examples/hello from a tar upload into an image that runs on the engine it chose", async () => {
    const tag = tagOf("upload");
    const job = await submitDir("examples/hello", { tags: [tag] });
    expect(job.state).toBe(JobState.QUEUED);
    const done = await waitJob(client, job.id as string);
    expect(done.state, JSON.stringify(done.error)).toBe(JobState.SUCCEEDED);
    expect(done.result?.imageId).toMatch(/^sha256:/);
    const host = hosts[done.engine as string] as string;
    expect(dockerOn(host, ["run", "--rm", tag]).out.trim()).toBe("hello");
  });

  it("builds from a git URL served by a git daemon on 127.0.0.1", async () => {
    const hello = (f: string) => readFileSync(join("examples/hello", f), "utf8");
    const port = PORT + 1;
    const daemon = await serveGit(
      { "app/scratchkit.yaml": hello("scratchkit.yaml"), "app/hello.c": hello("hello.c") },
      port,
    );
    try {
      const tag = tagOf("git");
      const c = client();
      const job = await c.submit({ gitUrl: `git://127.0.0.1:${port}/repo.git#main:app`, tags: [tag] });
      c.close();
      const done = await waitJob(client, job.id as string);
      expect(done.state, JSON.stringify(done.error)).toBe(JobState.SUCCEEDED);
      expect(done.result?.imageId).toMatch(/^sha256:/);
      expect(dockerOn(hosts[done.engine as string] as string, ["run", "--rm", tag]).out.trim()).toBe("hello");
    } finally {
      daemon.kill();
    }
  });

  it("builds from an HTTP tarball URL served by Node's HTTP server on 127.0.0.1", async () => {
    const parts: Uint8Array[] = [];
    for await (const c of tarDirectory("examples/hello")) parts.push(c);
    const tarball = gzipSync(Buffer.concat(parts));
    let fetched = 0;
    const server = createServer((req, res) => {
      if (req.url !== "/hello.tar.gz") return void res.writeHead(404).end();
      fetched += 1;
      res.writeHead(200, { "Content-Type": "application/gzip" }).end(tarball);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const tag = tagOf("http");
      const c = client();
      const job = await c.submit({ httpUrl: `http://127.0.0.1:${port}/hello.tar.gz`, tags: [tag] });
      c.close();
      const done = await waitJob(client, job.id as string);
      expect(done.state, JSON.stringify(done.error)).toBe(JobState.SUCCEEDED);
      expect(done.result?.imageId).toMatch(/^sha256:/);
      expect(fetched).toBeGreaterThan(0);
      expect(dockerOn(hosts[done.engine as string] as string, ["run", "--rm", tag]).out.trim()).toBe("hello");
    } finally {
      server.close();
    }
  });

  it("runs 20 jobs submitted at once, each exactly once, spread over both engines", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => submitDir("examples/hello", { tags: [tagOf(`many${i}`)] })),
    );
    expect(new Set(jobs.map((j) => j.id)).size).toBe(20);
    const done = await Promise.all(jobs.map((j) => waitJob(client, j.id as string)));
    for (const d of done) expect(d.state, JSON.stringify(d.error)).toBe(JobState.SUCCEEDED);
    expect(new Set(done.map((d) => d.engine))).toEqual(new Set(["main", "engine2"]));
    const c = client();
    for (const d of done) {
      const events = await allEvents(c, d.id as string);
      // Exactly one run and one result per job.
      expect(events.filter((e) => e.state?.state === JobState.RUNNING)).toHaveLength(1);
      expect(events.filter((e) => e.result)).toHaveLength(1);
      expect(d.attempts).toBe(1);
    }
    c.close();
    // The farm loaded the frontend image onto the second engine before building there.
    expect(dockerOn(hosts.engine2 as string, ["image", "inspect", FRONTEND]).code).toBe(0);
  });

  it("gives a watcher that joins after the job ended every event from the start, or after a sequence number", async () => {
    const job = await submitDir("examples/hello");
    await waitJob(client, job.id as string);
    const c = client();
    const events = await allEvents(c, job.id as string);
    expect(events.map((e) => Number(e.seq))).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.state?.state).toBe(JobState.QUEUED);
    expect(events.at(-1)?.state?.state).toBe(JobState.SUCCEEDED);
    expect(events.some((e) => e.vertex?.name?.includes("musl-gcc"))).toBe(true);
    const tail = await allEvents(c, job.id as string, 3);
    expect(tail.map((e) => Number(e.seq))).toEqual(events.slice(3).map((e) => Number(e.seq)));
    c.close();
  });

  it("answers a wrong token, a missing manifest, an oversized upload and a bad manifest with their status codes", async () => {
    expect((await submitError("examples/hello", {}, "wrong")).code).toBe(grpc.status.UNAUTHENTICATED);
    const missing = await submitError("examples/hello", { manifest: "nope.yaml" });
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    expect(missing.details).toContain("nope.yaml");
    const big = helloDir();
    writeFileSync(join(big, "blob.bin"), Buffer.alloc(2 << 20, 7));
    expect((await submitError(big)).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const bad = context({
      "scratchkit.yaml": manifest(
        "name: hello",
        "build:",
        "  imagex: foo",
        "  run: true",
        "artifacts: [hello]",
      ),
    });
    const err = await submitError(bad);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("scratchkit.yaml:4:3");
    expect(err.details).toContain("4 |   imagex: foo");
  });

  it("checks a git or HTTP context's manifest at Submit: missing is NOT_FOUND, invalid is INVALID_ARGUMENT with its line", async () => {
    const bad = manifest("name: hello", "build:", "  imagex: foo", "  run: true", "artifacts: [hello]");
    const port = PORT + 2;
    const daemon = await serveGit({ "bad/scratchkit.yaml": bad }, port);
    const server = createServer((_req, res) => void res.writeHead(200).end(bad));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const refused = async (spec: BuildSpec) => {
      const c = client();
      try {
        await c.submit(spec);
      } catch (err) {
        return err as grpc.ServiceError;
      } finally {
        c.close();
      }
      throw new Error(`the farm accepted ${JSON.stringify(spec)}`);
    };
    try {
      const git = `git://127.0.0.1:${port}/repo.git#main`;
      const badGit = await refused({ gitUrl: `${git}:bad` });
      expect(badGit.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(badGit.details).toContain("scratchkit.yaml:4:3");
      expect(badGit.details).toContain("4 |   imagex: foo");
      const missing = await refused({ gitUrl: `${git}:nowhere` });
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
      expect(missing.details).toContain("nowhere/scratchkit.yaml");
      const { port: httpPort } = server.address() as AddressInfo;
      const badHttp = await refused({ httpUrl: `http://127.0.0.1:${httpPort}/scratchkit.yaml` });
      expect(badHttp.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(badHttp.details).toContain("scratchkit.yaml:4:3");
    } finally {
      daemon.kill();
      server.close();
    }
  });

  it("cancels a running build: the engine stops it and no image is made", async () => {
    const tag = tagOf("cancel");
    const job = await submitDir(helloDir({ sleep: 60, nonce: `cancel-${Date.now()}` }), { tags: [tag] });
    const c = client();
    // Cancel once the slow step runs on the engine.
    await eventMatching(
      c,
      job.id as string,
      (e) => e.vertex?.state === "started" && !!e.vertex.name?.includes("sleep 60"),
    );
    const t0 = Date.now();
    const cancelled = await c.cancel(job.id as string);
    c.close();
    expect(cancelled.state).toBe(JobState.CANCELLED);
    expect(Date.now() - t0).toBeLessThan(30_000);
    for (const host of Object.values(hosts))
      expect(dockerOn(host, ["image", "inspect", tag]).code).not.toBe(0);
  });

  it("after kill -9 with jobs queued and running, a restarted farm ends every accepted job succeeded", async () => {
    const nonce = `kill-${Date.now()}`;
    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        submitDir(helloDir({ sleep: 4, nonce: `${nonce}-${i}` }), { tags: [tagOf(`kill${i}`)] }),
      ),
    );
    // Wait until builds run on the engines, then kill the service outright.
    const c = client();
    await eventMatching(
      c,
      jobs[0]?.id as string,
      (e) => e.vertex?.state === "started" && !!e.vertex.name?.includes("sleep 4"),
    );
    c.close();
    await farm.kill9();
    await farm.start();
    const done = await Promise.all(jobs.map((j) => waitJob(client, j.id as string)));
    for (const d of done) expect(d.state, JSON.stringify(d.error)).toBe(JobState.SUCCEEDED);
    // The interrupted ones ran again.
    expect(done.some((d) => Number(d.attempts) > 1)).toBe(true);
    for (const [i, d] of done.entries())
      expect(
        dockerOn(hosts[d.engine as string] as string, ["image", "inspect", tagOf(`kill${i}`)]).code,
      ).toBe(0);
  });

  it("when an engine stops mid-run, its jobs finish on the other engine", async () => {
    const nonce = `stop-${Date.now()}`;
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => submitDir(helloDir({ sleep: 6, nonce: `${nonce}-${i}` }))),
    );
    // Once engine2 runs one of them, stop engine2 (never the main engine).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const c = client();
      const states = await Promise.all(jobs.map((j) => c.get(j.id as string)));
      c.close();
      if (states.some((s) => s.engine === "engine2" && s.state === JobState.RUNNING)) break;
      if (Date.now() > deadline) throw new Error("no job ran on engine2");
      await new Promise((r) => setTimeout(r, 200));
    }
    stopEngine2();
    const done = await Promise.all(jobs.map((j) => waitJob(client, j.id as string)));
    for (const d of done) expect(d.state, JSON.stringify(d.error)).toBe(JobState.SUCCEEDED);
    for (const d of done) expect(d.engine).toBe("main");
  });
});
