import type { BridgeClient, Definition } from "../gateway/client.js";
import { Code, FrontendError } from "../gateway/errors.js";
import { local, marshal } from "../llb/index.js";
import { decodeManifest } from "../manifest/decode.js";
import type { BuildEnv } from "./build.js";
import { solveDefinition } from "./solve.js";

/**
 * Reads the manifest (and its own `<name>.dockerignore`) from the client's definition
 * directory, or from the `dockerfile` frontend input when the # syntax= forwarder sends one.
 */
export async function readDefinition(
  bridge: BridgeClient,
  env: BuildEnv,
  input: Definition | undefined,
  key: string,
  filename: string,
): Promise<{ text: string; ignore?: string }> {
  const ignoreName = `${filename}.dockerignore`;
  const def =
    input ??
    marshal(
      local(key, {
        sessionId: env.sessionId,
        followPaths: [filename, ignoreName],
        sharedKeyHint: key,
        differ: "none",
        name: `[internal] load build definition from ${filename}`,
      }),
    ).definition;
  const ref = await solveDefinition(bridge, def);
  let data: Uint8Array;
  try {
    data = await bridge.readFile(ref, filename);
  } catch (err) {
    throw new FrontendError(
      `cannot read the manifest ${filename}: ${err instanceof Error ? err.message : String(err)}`,
      Code.NotFound,
    );
  }
  const ignore = await bridge.readFile(ref, ignoreName).then(
    (d) => new TextDecoder().decode(d),
    () => undefined,
  );
  return { text: decodeManifest(data, filename), ...(ignore !== undefined ? { ignore } : {}) };
}

/** The context's own .dockerignore, read through a local that transfers only that file. */
export async function readContextDockerignore(
  bridge: BridgeClient,
  env: BuildEnv,
  key: string,
): Promise<string | undefined> {
  const def = marshal(
    local(key, {
      sessionId: env.sessionId,
      followPaths: [".dockerignore"],
      sharedKeyHint: `${key}-.dockerignore`,
      differ: "none",
      name: "[internal] load .dockerignore",
    }),
  ).definition;
  const ref = await solveDefinition(bridge, def);
  return bridge.readFile(ref, ".dockerignore").then(
    (d) => new TextDecoder().decode(d),
    () => undefined,
  );
}
