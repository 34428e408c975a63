// The build farm over an engine reached on tcp:// with TLS client certificates: the
// second Docker Engine (deploy/engine2.sh with SCRATCHKIT_ENGINE2_TLS=1) is the whole pool.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarDirectory } from "../../src/farm/client.js";
import { JobState } from "../../src/farm/types.js";
import { suiteProblem, TOOLCHAIN } from "./engine.js";
import { bundleCli, dockerOn, FarmProcess, waitJob, writeFarmConfig } from "./farm-harness.js";

const problem = suiteProblem();
const PORT = 7900 + (process.pid % 90);
// Its own name, bridge address and port, so it never meets farm.test.ts's engine.
const ENV = {
  ...process.env,
  SCRATCHKIT_ENGINE2_NAME: process.env.SCRATCHKIT_ENGINE2_NAME ?? "farm12tls",
  SCRATCHKIT_ENGINE2_TLS: "1",
  SCRATCHKIT_ENGINE2_CIDR: "198.18.13.1/24",
  SCRATCHKIT_ENGINE2_TLS_PORT: String(23761 + (process.pid % 200)),
};
const engine2 = (...args: string[]) =>
  execFileSync("bash", ["deploy/engine2.sh", ...args], { encoding: "utf8", env: ENV });

interface Tls {
  ca: string;
  cert: string;
  key: string;
}

function farmConfig(host: string, tls: Tls, port: number): string {
  return writeFarmConfig(
    port,
    `engines:
  - name: tlsengine
    host: "${host}"
    concurrency: 1
    tls: { ca: "${tls.ca}", cert: "${tls.cert}", key: "${tls.key}" }
`,
  ).config;
}

describe.skipIf(problem !== undefined)("farm over a tcp:// TLS engine", () => {
  let sock = "";
  let tcp = "";
  let good: Tls;
  let cli = "";
  const farms: FarmProcess[] = [];

  async function serve(tls: Tls, port: number): Promise<FarmProcess> {
    const farm = new FarmProcess(cli, { dir: "", config: farmConfig(tcp, tls, port), port });
    farms.push(farm);
    await farm.start();
    return farm;
  }

  beforeAll(() => {
    const lines = engine2("start", TOOLCHAIN).trim().split("\n");
    [sock, tcp] = [`unix://${lines[0]}`, lines[1] as string];
    const dir = lines[2] as string;
    good = { ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    cli = bundleCli();
  }, 300_000);

  afterAll(async () => {
    for (const f of farms) await f.stop();
    engine2("down");
  }, 120_000);

  it("builds examples/hello on the TLS engine, and the image runs there", async () => {
    const farm = await serve(good, PORT);
    const c = farm.client();
    const tag = "scratchkit-e2e/farm12-tls:test";
    const job = await c.submit(
      { upload: true, manifest: "scratchkit.yaml", tags: [tag] },
      tarDirectory("examples/hello"),
    );
    c.close();
    const done = await waitJob(() => farm.client(), job.id as string);
    expect(done.state, JSON.stringify(done.error)).toBe(JobState.SUCCEEDED);
    expect(done.engine).toBe("tlsengine");
    expect(dockerOn(sock, ["run", "--rm", tag]).out.trim()).toBe("hello");
    await farm.stop();
  }, 600_000);

  it("a client certificate the engine's CA did not sign is refused: unhealthy with the reason, no job given", async () => {
    // A self-signed client certificate: valid TLS, but not from the engine's CA.
    const dir = mkdtempSync(join(tmpdir(), "scratchkit-farm-tls-bad-"));
    const bad = { ...good, cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=intruder",
        "-keyout",
        bad.key,
        "-out",
        bad.cert,
      ],
      { stdio: "pipe" },
    );
    const farm = await serve(bad, PORT + 1);
    const c = farm.client();
    const job = await c.submit({ upload: true, manifest: "scratchkit.yaml" }, tarDirectory("examples/hello"));
    await new Promise((r) => setTimeout(r, 3000));
    const after = await c.get(job.id as string);
    c.close();
    expect(after.state).toBe(JobState.QUEUED);
    expect(after.engine ?? "").toBe("");
    const line = farm.output
      .split("\n")
      .find((l) => l.includes("engine health changed") && l.includes("tlsengine"));
    expect(line, farm.output).toBeDefined();
    const entry = JSON.parse(line as string) as { healthy: boolean; reason?: string };
    expect(entry.healthy).toBe(false);
    expect(entry.reason).toMatch(/certificate|alert|EPROTO|ECONNRESET|socket hang up/i);
    await farm.stop();
  }, 120_000);

  it("a missing client key stops `farm serve` with an error naming the engine and the file", () => {
    const missing = join(tmpdir(), "scratchkit-no-such-key.pem");
    const config = farmConfig(tcp, { ...good, key: missing }, PORT + 2);
    let out = "";
    try {
      execFileSync(process.execPath, [cli, "farm", "serve", "--config", config], {
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (err) {
      out = String((err as { stderr?: string }).stderr);
    }
    expect(out).toContain(`engines.tlsengine.tls.key: cannot read ${missing} (ENOENT)`);
    expect(out).not.toMatch(/\n\s+at /);
  });
});
