// A probe frontend that records what BuildKit's LLBBridge answers to file reads on a real
// context (ReadFile/StatFile/ReadDir on missing paths, directories, files in a path), for
// the unit tests' fakes. Run by test/record/record-bridge-errors.sh through `# syntax=`;
// it Returns its recording as the error message (base64 JSON), which buildx prints.
import { openBridge } from "../../src/gateway/bridge.js";
import { BridgeCallError } from "../../src/gateway/client.js";
import { GatewayClient } from "../../src/gateway/frontend-client.js";
import { parseFrontendEnv } from "../../src/gateway/opts.js";
import { local, marshal } from "../../src/llb/index.js";

type Probe = [string, string, (path: string) => Promise<unknown>];

async function main(): Promise<void> {
  const bridge = await openBridge();
  const client = new GatewayClient(bridge.client, { ...parseFrontendEnv(process.env), caps: bridge.caps });
  const ref = await client.solve(
    marshal(local("context", { sessionId: client.buildOpts().sessionId, name: "[probe] context" }))
      .definition,
  );
  const probes: Probe[] = [
    ["ReadFile", "missing.txt", (p) => ref.readFile(p)],
    ["ReadFile", "/missing.txt", (p) => ref.readFile(p)],
    ["ReadFile", "sub", (p) => ref.readFile(p)],
    ["ReadFile", "hello.c/x", (p) => ref.readFile(p)],
    ["ReadFile", "sub/missing/x", (p) => ref.readFile(p)],
    ["StatFile", "missing.txt", (p) => ref.statFile(p)],
    ["StatFile", "/missing.txt", (p) => ref.statFile(p)],
    ["StatFile", "hello.c/x", (p) => ref.statFile(p)],
    ["StatFile", "sub/missing/x", (p) => ref.statFile(p)],
    ["StatFile", "sub", (p) => ref.statFile(p)],
    ["StatFile", "hello.c", (p) => ref.statFile(p)],
    ["ReadDir", "missing", (p) => ref.readDir(p)],
    ["ReadDir", "hello.c", (p) => ref.readDir(p)],
  ];
  const answers = [];
  for (const [method, path, call] of probes) {
    try {
      const value = await call(path);
      answers.push({ method, path, ok: value instanceof Uint8Array ? { bytes: value.length } : value });
    } catch (err) {
      if (!(err instanceof BridgeCallError)) throw err;
      const { code, message, details } = err.status;
      answers.push({ method, path, error: { code, message, details: details.map((d) => d.type_url) } });
    }
  }
  const json = Buffer.from(JSON.stringify(answers)).toString("base64");
  await bridge.client.returnError({ code: 2, message: `PROBE ${json} PROBE`, details: [] });
  bridge.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`probe failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
