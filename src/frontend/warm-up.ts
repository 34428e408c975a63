// One build in process against canned answers, run when the frontend image is built
// (scripts/frontend-start.cjs --make-code-cache) just before V8's code cache is written: the
// cache then holds the functions a build compiles (YAML parsing, planning, LLB, lint, the
// gate) besides the bundle's top level, so a real build does not compile them again.
// Nothing here opens the bridge or writes to stdout.
import { readFileSync } from "node:fs";
import { capsFromPong, FrontendCap } from "../gateway/caps.js";
import { BridgeCallError, type Stat } from "../gateway/client.js";
import type { BuildOpts, FrontendClient, Ref } from "../gateway/frontend-client.js";
import { fsutil, moby } from "../gen/proto.js";
import { Caps } from "../llb/index.js";
import { frontendResult } from "./dispatch.js";

/** A manifest like most: a build image, a compile command, one artifact, a label. */
const MANIFEST = `name: warm-up
build:
  image: scratchkit/toolchain:bookworm
  package-manager: none
  run: cc -static -Os -o /out/app app.c
artifacts: [app]
image:
  labels: { org.opencontainers.image.title: warm-up }
`;

/** Go's os.FileMode of a regular file with mode 0755, as ReadDir answers. */
const REGULAR_0755 = 0o755;

/**
 * Runs a build of MANIFEST whose artifact is the file at `artifact` (any ELF: a dynamic one
 * fails the gate, which is fine here; the verdict is not the point). Resolves either way.
 */
export async function warmUp(artifact: string): Promise<void> {
  try {
    await frontendResult(warmUpClient(readFileSync(artifact)));
  } catch {
    // A failed gate or anything else: the code ran, which is all the warm-up is for.
  }
}

function warmUpClient(artifact: Uint8Array): FrontendClient {
  const files: Record<string, Uint8Array> = {
    "scratchkit.yaml": new TextEncoder().encode(MANIFEST),
    app: artifact,
  };
  const read = (path: string) => {
    const data = files[path.replace(/^\/+/, "")];
    if (!data)
      throw new BridgeCallError("ReadFile", { code: 2, details: `open ${path}: no such file or directory` });
    return data;
  };
  const ref: Ref = {
    id: "warm-up",
    readFile: async (path, range) => {
      const data = read(path);
      return range ? data.subarray(range.offset, range.offset + range.length) : data;
    },
    readDir: async () => [stat("app", artifact.length)],
    statFile: async (path) => stat(path, read(path).length),
  };
  const opts: BuildOpts = {
    opts: { filename: "scratchkit.yaml", "label:warm-up": "1" },
    sessionId: "warm-up",
    workers: [{ id: "warm-up", labels: {}, platforms: [{ os: "linux", architecture: "amd64" }] }],
    caps: capsFromPong({
      FrontendAPICaps: Object.values(FrontendCap).map((ID) => ({ ID, Enabled: true })),
      LLBCaps: Object.values(Caps).map((ID) => ({ ID, Enabled: true })),
    }),
  };
  return {
    buildOpts: () => opts,
    solve: async () => ref,
    resolveImageConfig: async () =>
      moby.buildkit.v1.frontend.ResolveImageConfigResponse.create({
        Digest: `sha256:${"0".repeat(64)}`,
        Config: new TextEncoder().encode(JSON.stringify({ config: { Env: ["PATH=/usr/bin:/bin"] } })),
      }),
    inputs: async () => ({}),
    warn: async () => undefined,
  };
}

function stat(path: string, size: number): Stat {
  return fsutil.types.Stat.create({ path, mode: REGULAR_0755, size });
}
