// A standalone buildkitd for the end-to-end tests and the bench, started and stopped through
// deploy/buildkitd.sh (the binaries come from SCRATCHKIT_BUILDKIT_DIR or ../shared/buildkit).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";

const SCRIPT = join(import.meta.dirname, "../../deploy/buildkitd.sh");
/** deploy/buildkitd.sh's exit status when it finds no binaries. */
const MISSING = 3;

export interface Buildkitd {
  name: string;
  /** unix:///... address for buildctl --addr and buildx's remote driver. */
  addr: string;
  buildctl: string;
  /** Registry prefix mirroring docker.io for this daemon. */
  mirror: string;
  log: string;
}

/** `name`: the daemon's (state under /opt/scratchkit/buildkitd/NAME, socket NAME.sock). */
function script(name: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", [SCRIPT, ...args], {
    encoding: "utf8",
    env: { ...process.env, SCRATCHKIT_BUILDKITD_NAME: name },
    maxBuffer: 16 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** Why no buildkitd can run here (not root, no binaries), or undefined when one can. */
export function buildkitdMissing(name: string): string | undefined {
  if (process.getuid?.() !== 0) return "a standalone buildkitd needs root";
  const r = script(name, ["env"]);
  if (r.code === MISSING) return `no BuildKit binaries: ${r.stderr.trim()}`;
  if (r.code !== 0) throw new Error(`deploy/buildkitd.sh env failed:\n${r.stderr}`);
  return undefined;
}

/** Starts the daemon `name` (idempotent); `ms` is the whole script's time, `readyMs` the daemon's. */
export function startBuildkitd(name: string): Buildkitd & { ms: number; readyMs: number } {
  const start = performance.now();
  const r = script(name, ["start"]);
  if (r.code !== 0) throw new Error(`deploy/buildkitd.sh start failed:\n${r.stderr}`);
  const kv = keyValues(r.stdout);
  const need = (k: string): string => {
    const v = kv.get(k);
    if (!v) throw new Error(`deploy/buildkitd.sh start printed no ${k}:\n${r.stdout}`);
    return v;
  };
  return {
    name,
    addr: need("BUILDKIT_HOST"),
    buildctl: need("BUILDCTL"),
    mirror: need("BUILDKITD_MIRROR"),
    log: need("BUILDKITD_LOG"),
    ms: performance.now() - start,
    /** From launching the daemon to its first answer; 0 when it was running already. */
    readyMs: Number(kv.get("BUILDKITD_READY_MS") ?? 0),
  };
}

export function stopBuildkitd(name: string): void {
  const r = script(name, ["stop"]);
  if (r.code !== 0) throw new Error(`deploy/buildkitd.sh stop failed:\n${r.stderr}`);
}

/** Stops the daemon `name` and removes its state: the next start begins with an empty store. */
export function purgeBuildkitd(name: string): void {
  const r = script(name, ["purge"]);
  if (r.code !== 0) throw new Error(`deploy/buildkitd.sh purge failed:\n${r.stderr}`);
}

/** Pushes main-engine images where the daemon pulls them; image → registry reference. */
export function pushForBuildkitd(images: string[]): Map<string, string> {
  const r = script("dev", ["push", ...images]);
  if (r.code !== 0) throw new Error(`deploy/buildkitd.sh push failed:\n${r.stderr}`);
  return keyValues(r.stdout);
}

export interface BuildctlRun {
  code: number;
  /** stdout: the exported tarball when the output has no dest. */
  stdout: Buffer;
  /** Progress (plain) and errors. */
  output: string;
  ms: number;
}

/**
 * The README's `buildctl build` arguments: scratchkit (image `source`) as the gateway frontend,
 * with `context` as both the build context and the directory the manifest is read from.
 */
export function frontendArgs(source: string, context = ".", filename = "scratchkit.yaml"): string[] {
  return [
    "--frontend",
    "gateway.v0",
    "--opt",
    `source=${source}`,
    "--local",
    `context=${context}`,
    "--local",
    `dockerfile=${context}`,
    "--opt",
    `filename=${filename}`,
  ];
}

/** `buildctl --addr ADDR build --progress=plain ARGS` in `cwd`. */
export function buildctl(bk: Buildkitd, args: string[], cwd: string): BuildctlRun {
  const start = performance.now();
  const r = spawnSync(bk.buildctl, ["--addr", bk.addr, "build", "--progress=plain", ...args], {
    cwd,
    maxBuffer: 256 << 20,
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    output: stripVTControlCharacters(r.stderr.toString("utf8")),
    ms: performance.now() - start,
  };
}

/**
 * The platforms of an image in the local registry (`host:port/path:tag`), read from the
 * registry's HTTP API: an index lists its manifests' platforms; a lone manifest has none.
 */
export async function registryPlatforms(ref: string): Promise<string[]> {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(ref);
  if (!m) throw new Error(`not a host/path:tag reference: ${ref}`);
  const [, host, path, tagName] = m;
  const res = await fetch(`http://${host}/v2/${path}/manifests/${tagName}`, {
    headers: {
      accept: [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
      ].join(", "),
    },
  });
  if (!res.ok) throw new Error(`registry: GET ${ref} answered ${res.status}`);
  const body = (await res.json()) as { manifests?: { platform?: { os: string; architecture: string } }[] };
  return (body.manifests ?? [])
    .map((d) => d.platform)
    .filter((p): p is { os: string; architecture: string } => p !== undefined && p.os !== "unknown")
    .map((p) => `${p.os}/${p.architecture}`);
}
