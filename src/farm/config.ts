// The farm's configuration file (YAML): where it listens, its token hashes, its engines,
// limits and registry credentials; and the development set-up used without a file.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { hashToken } from "./auth.js";

export interface EngineConfig {
  name: string;
  /** unix:///path or tcp://host:port. */
  host: string;
  concurrency: number;
  /** Client certificate files for tcp:// with TLS. */
  tls?: { ca: string; cert: string; key: string };
  /** The build containers' network on this engine ("none" for an engine without a bridge). */
  networkMode?: string;
}

export interface RegistryCredentials {
  /** host[:port] as in image references. */
  host: string;
  username: string;
  password: string;
}

export interface FarmConfig {
  /** host:port or unix:///path. */
  listen: string;
  /** Directory of the job store and staged contexts. */
  storeDir: string;
  /** sha256:<hex> of each accepted bearer token; empty with auth off. */
  tokenHashes: string[];
  auth: boolean;
  engines: EngineConfig[];
  /** The frontend image every build uses (BUILDKIT_SYNTAX), loaded onto engines that lack it. */
  frontendImage: string;
  /** A Docker host that has frontendImage, to copy it from. */
  frontendSource?: string;
  maxQueued: number;
  maxUploadBytes: number;
  jobTimeoutMs: number;
  /** A job whose engine failed under it (or failed it itself) is started again up to this many times in all. */
  maxAttempts: number;
  healthIntervalMs: number;
  shutdownGraceMs: number;
  registries: RegistryCredentials[];
}

export const DEFAULT_ADDR = "127.0.0.1:7337";

const DEFAULTS = {
  maxQueued: 1000,
  maxUploadBytes: 256 << 20,
  jobTimeoutMs: 30 * 60_000,
  maxAttempts: 3,
  healthIntervalMs: 2000,
  shutdownGraceMs: 30_000,
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new ConfigError(`${what}: expected a non-empty string`);
  return v;
}

function num(v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new ConfigError(`${what}: expected a number >= 0`);
  return v;
}

function hostOf(name: string, v: unknown): string {
  const h = str(v, `engines.${name}.host`);
  if (!/^(unix:\/\/\/|tcp:\/\/)/.test(h))
    throw new ConfigError(`engines.${name}.host: expected unix:///path or tcp://host:port, got ${h}`);
  return h;
}

/** Reads and checks a config file; relative paths are taken from the file's directory. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): FarmConfig {
  const raw = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  if (!raw || typeof raw !== "object") throw new ConfigError(`${file}: expected a mapping`);
  const base = resolve(file, "..");
  const engines = (raw.engines ?? []) as Record<string, unknown>[];
  if (!Array.isArray(engines) || engines.length === 0)
    throw new ConfigError(`${file}: engines: at least one engine`);
  const auth = raw.auth !== false;
  const tokenHashes = ((raw.tokens ?? []) as unknown[]).map((t, i) => str(t, `tokens[${i}]`));
  for (const t of tokenHashes)
    if (!/^sha256:[0-9a-f]{64}$/.test(t))
      throw new ConfigError(`tokens: expected sha256:<64 hex digits>, got ${t}`);
  if (auth && tokenHashes.length === 0)
    throw new ConfigError(`${file}: tokens: auth is on but no token hash is listed`);
  const limits = (raw.limits ?? {}) as Record<string, unknown>;
  const frontend = (raw.frontend ?? {}) as Record<string, unknown>;
  return {
    listen: typeof raw.listen === "string" ? raw.listen : DEFAULT_ADDR,
    storeDir: resolve(base, typeof raw.store === "string" ? raw.store : ".farm"),
    tokenHashes,
    auth,
    engines: engines.map((e, i) => {
      const name = str(e.name, `engines[${i}].name`);
      const tls = e.tls as Record<string, unknown> | undefined;
      return {
        name,
        host: hostOf(name, e.host),
        concurrency: Math.max(1, num(e.concurrency, `engines.${name}.concurrency`, 1)),
        networkMode:
          e.networkMode === undefined ? undefined : str(e.networkMode, `engines.${name}.networkMode`),
        tls: tls && {
          ca: resolve(base, str(tls.ca, `engines.${name}.tls.ca`)),
          cert: resolve(base, str(tls.cert, `engines.${name}.tls.cert`)),
          key: resolve(base, str(tls.key, `engines.${name}.tls.key`)),
        },
      };
    }),
    frontendImage: typeof frontend.image === "string" ? frontend.image : defaultFrontendImage(env),
    frontendSource: typeof frontend.source === "string" ? frontend.source : undefined,
    maxQueued: num(limits.maxQueued, "limits.maxQueued", DEFAULTS.maxQueued),
    maxUploadBytes: num(limits.maxUploadBytes, "limits.maxUploadBytes", DEFAULTS.maxUploadBytes),
    jobTimeoutMs:
      num(limits.jobTimeoutSeconds, "limits.jobTimeoutSeconds", DEFAULTS.jobTimeoutMs / 1000) * 1000,
    maxAttempts: Math.max(1, num(limits.maxAttempts, "limits.maxAttempts", DEFAULTS.maxAttempts)),
    healthIntervalMs: num(raw.healthIntervalMs, "healthIntervalMs", DEFAULTS.healthIntervalMs),
    shutdownGraceMs:
      num(raw.shutdownGraceSeconds, "shutdownGraceSeconds", DEFAULTS.shutdownGraceMs / 1000) * 1000,
    registries: ((raw.registries ?? []) as Record<string, unknown>[]).map((r, i) => ({
      host: str(r.host, `registries[${i}].host`),
      username: str(r.username, `registries[${i}].username`),
      // passwordEnv keeps the secret out of the file.
      password:
        typeof r.passwordEnv === "string"
          ? str(env[r.passwordEnv], `registries[${i}].passwordEnv (${r.passwordEnv})`)
          : str(r.password, `registries[${i}].password`),
    })),
  };
}

function defaultFrontendImage(env: NodeJS.ProcessEnv): string {
  return env.SCRATCHKIT_FRONTEND_IMAGE ?? "scratchkit/frontend:dev";
}

/** `farm serve` without --config: the engine from `npm run engine`, ./.farm, 127.0.0.1:7337, $SCRATCHKIT_FARM_TOKEN. */
export function devConfig(env: NodeJS.ProcessEnv = process.env): FarmConfig {
  const token = env.SCRATCHKIT_FARM_TOKEN;
  if (!token)
    throw new ConfigError("no --config and no SCRATCHKIT_FARM_TOKEN: the development farm needs a token");
  const host = env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  return {
    listen: DEFAULT_ADDR,
    storeDir: resolve(".farm"),
    tokenHashes: [hashToken(token)],
    auth: true,
    engines: [{ name: "local", host, concurrency: 2 }],
    frontendImage: defaultFrontendImage(env),
    registries: [],
    ...DEFAULTS,
  };
}
