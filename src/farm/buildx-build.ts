// Runs one build on an engine with `docker buildx build` (the docker driver of the
// engine's own BuildKit) from a context directory, decoding its rawjson progress.
// Aborting the signal interrupts buildx, which cancels the solve on the engine.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { dockerCli } from "../engine/cli.js";
import { type BuildEvent, BuildFailed, type BuildOutcome } from "./build-events.js";
import { RawJsonDecoder } from "./rawjson.js";
import type { BuildSpec } from "./types.js";

export interface BuildxRequest {
  /** DOCKER_HOST and TLS settings of the engine. */
  env: Record<string, string>;
  contextDir: string;
  spec: BuildSpec;
  frontendImage: string;
  /** Registry host → base64(user:password), for pushes. */
  auths: Record<string, string>;
  signal: AbortSignal;
}

/** buildx's arguments for a spec (everything after `buildx build`); user values never meet a shell. */
export function buildxArgs(
  spec: BuildSpec,
  frontendImage: string,
  contextDir: string,
  files: { iid: string; meta: string },
): string[] {
  const a = ["--progress=rawjson", "--iidfile", files.iid, "--metadata-file", files.meta];
  a.push("-f", join(contextDir, spec.manifest || "scratchkit.yaml"));
  a.push("--build-arg", `BUILDKIT_SYNTAX=${frontendImage}`);
  if (spec.target) a.push("--target", spec.target);
  if (spec.platforms?.length) a.push("--platform", spec.platforms.join(","));
  for (const [k, v] of Object.entries(spec.buildArgs ?? {})) a.push("--build-arg", `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.labels ?? {})) a.push("--label", `${k}=${v}`);
  for (const t of spec.tags ?? []) a.push("-t", t);
  if (spec.noCache) a.push("--no-cache");
  if (spec.sourceDateEpoch != null) a.push("--build-arg", `SOURCE_DATE_EPOCH=${spec.sourceDateEpoch}`);
  if (spec.push) a.push("--push");
  a.push("--", contextDir);
  return a;
}

/** The failure buildx printed: its ERROR: lines and what follows (the located message), else the last lines. */
export function failureText(messages: string[]): string {
  const i = messages.findIndex((m) => m.startsWith("ERROR:"));
  const lines = i >= 0 ? messages.slice(i) : messages.slice(-5);
  return (
    lines
      .join("\n")
      .replace(/^ERROR:\s*/, "")
      .trim() || "the build failed"
  );
}

export async function buildxBuild(
  req: BuildxRequest,
  onEvent: (e: BuildEvent) => void,
): Promise<BuildOutcome> {
  // A private DOCKER_CONFIG per build: the registry credentials of this farm only, never the host user's.
  const dir = await mkdtemp(join(tmpdir(), "scratchkit-farm-"));
  try {
    const auths = Object.fromEntries(Object.entries(req.auths).map(([h, auth]) => [h, { auth }]));
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths }), { mode: 0o600 });
    const files = { iid: join(dir, "iid"), meta: join(dir, "metadata.json") };
    const args = ["buildx", "build", ...buildxArgs(req.spec, req.frontendImage, req.contextDir, files)];
    const child = spawn(dockerCli(), args, {
      env: { ...process.env, ...req.env, DOCKER_CONFIG: dir, BUILDX_NO_DEFAULT_ATTESTATIONS: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let killTimer: NodeJS.Timeout | undefined;
    const abort = () => {
      // SIGINT: buildx cancels the solve; a buildx that hangs gets SIGKILL.
      child.kill("SIGINT");
      killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    };
    if (req.signal.aborted) abort();
    else req.signal.addEventListener("abort", abort, { once: true });
    const decoder = new RawJsonDecoder();
    const messages: string[] = [];
    let warnings = 0;
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      for (const e of decoder.decodeLine(line)) {
        if (e.type === "message") messages.push(e.text);
        if (e.type === "warning") warnings++;
        onEvent(e);
      }
    });
    const code = await new Promise<number | null>((res, rej) => {
      child.once("error", rej);
      child.once("close", (c) => res(c));
    });
    clearTimeout(killTimer);
    req.signal.removeEventListener("abort", abort);
    if (req.signal.aborted) throw req.signal.reason ?? new Error("aborted");
    if (code !== 0) throw new BuildFailed(failureText(messages));
    const meta = JSON.parse(await readFile(files.meta, "utf8").catch(() => "{}")) as Record<string, unknown>;
    // With the containerd image store the image's ID is its manifest (or index) digest, which
    // the metadata file names; --iidfile holds the config digest.
    const digest = meta["containerimage.digest"];
    const imageId = typeof digest === "string" ? digest : (await readFile(files.iid, "utf8")).trim();
    return {
      imageId,
      warnings,
      ...(req.spec.push && typeof digest === "string" && { pushedDigest: digest }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
