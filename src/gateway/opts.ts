// The frontend's inputs from its environment. BuildKit passes every frontend
// opt as BUILDKIT_FRONTEND_OPT_<i>=<key>=<value> (i in no particular order);
// there is no other channel for opts. Pure functions over an env object.

import { compareStrings, sortedRecord } from "../llb/sorted.js";
import { OptsError } from "../opts-error.js";
import { type ImageResolveMode, type NetworkMode, type Platform, parsePlatform } from "../platform.js";

export type Env = Readonly<Record<string, string | undefined>>;
/**
 * Frontend opts as a null-prototype object whose keys were inserted in sorted order, so
 * nothing depends on env iteration order. Empty values are kept (`"no-cache" in opts`).
 */
export type Opts = Readonly<Record<string, string>>;

export type { ImageResolveMode, NetworkMode, Platform } from "../platform.js";

export interface WorkerInfo {
  id: string;
  labels: Record<string, string>;
  platforms: Platform[];
}

export interface FrontendEnv {
  opts: Opts;
  /** Session for locals, secrets and ssh; "" when absent. */
  sessionId: string;
  /** Workers as BuildKit describes them; the first worker's first platform is the build platform. */
  workers: WorkerInfo[];
}

export { OptsError };

const OPT_PREFIX = "BUILDKIT_FRONTEND_OPT_";

export function parseOpts(env: Env): Opts {
  const entries: { index: number; name: string; key: string; value: string }[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(OPT_PREFIX) || raw === undefined) continue;
    const eq = raw.indexOf("=");
    // Like BuildKit's own client: no '=' means the whole text is the key with an empty value.
    const key = eq < 0 ? raw : raw.slice(0, eq);
    const value = eq < 0 ? "" : raw.slice(eq + 1);
    const n = Number(name.slice(OPT_PREFIX.length));
    entries.push({ index: Number.isInteger(n) ? n : Number.MAX_SAFE_INTEGER, name, key, value });
  }
  // Duplicate keys should not happen; if they do, the highest index wins, independent of env order.
  entries.sort((a, b) => a.index - b.index || compareStrings(a.name, b.name));
  // Null prototype: an opt named "__proto__" or "constructor" is just data.
  return sortedRecord(
    entries.map((e) => [e.key, e.value] as const),
    false,
  );
}

/**
 * Parses BUILDKIT_WORKERS. Missing or empty → []; malformed → OptsError. Both the Docker Engine
 * and buildkitd send Go's JSON of client.WorkerInfo, whose keys are lowercase (`id`, `labels`,
 * `platforms`; recorded in test/unit/fixtures/frontend-env/); field names are matched as Go's
 * encoding/json does, case-insensitively.
 */
export function parseWorkers(raw: string | undefined): WorkerInfo[] {
  if (raw === undefined || raw.trim() === "" || raw.trim() === "null") return [];
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new OptsError(`BUILDKIT_WORKERS is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new OptsError("BUILDKIT_WORKERS must be a JSON array of worker records");
  return data.map((w, i) => {
    if (!isObject(w)) throw new OptsError(`BUILDKIT_WORKERS[${i}] is not an object`);
    const labels: Record<string, string> = {};
    const rawLabels = goField(w, "labels");
    if (isObject(rawLabels)) {
      for (const [k, v] of Object.entries(rawLabels)) if (typeof v === "string") labels[k] = v;
    }
    const plats = goField(w, "platforms") ?? [];
    if (!Array.isArray(plats)) throw new OptsError(`BUILDKIT_WORKERS[${i}].platforms is not an array`);
    const id = goField(w, "id");
    return {
      id: typeof id === "string" ? id : "",
      labels,
      platforms: plats.map((p, j) => {
        const os = isObject(p) ? goField(p, "os") : undefined;
        const architecture = isObject(p) ? goField(p, "architecture") : undefined;
        if (typeof os !== "string" || typeof architecture !== "string") {
          throw new OptsError(`BUILDKIT_WORKERS[${i}].platforms[${j}] needs string "os" and "architecture"`);
        }
        const out: Platform = { os, architecture };
        const variant = isObject(p) ? goField(p, "variant") : undefined;
        if (typeof variant === "string" && variant !== "") out.variant = variant;
        return out;
      }),
    };
  });
}

/** A JSON field as Go's encoding/json finds it: the exact key, else one equal ignoring case. */
function goField(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const folded = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === folded);
  return key === undefined ? undefined : obj[key];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The BUILDKIT_* variables as the daemon set them (for the debug log). */
export function buildkitEnv(env: Env): Record<string, string> {
  return sortedRecord(
    Object.entries(env).filter(
      (e): e is [string, string] => e[0].startsWith("BUILDKIT_") && e[1] !== undefined,
    ),
    false,
  );
}

export function parseFrontendEnv(env: Env): FrontendEnv {
  return {
    opts: parseOpts(env),
    sessionId: env.BUILDKIT_SESSION_ID ?? "",
    workers: parseWorkers(env.BUILDKIT_WORKERS),
  };
}

// ---- helpers for the opts BuildKit clients commonly send (names follow BuildKit's dockerui) ----

function withPrefix(opts: Opts, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(opts)) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/** `build-arg:NAME=value` → NAME → value (sorted). */
export function buildArgs(opts: Opts): Map<string, string> {
  return withPrefix(opts, "build-arg:");
}

/** `label:NAME=value` → NAME → value (sorted). */
export function labels(opts: Opts): Map<string, string> {
  return withPrefix(opts, "label:");
}

export function target(opts: Opts): string | undefined {
  return opts.target || undefined;
}

/** The definition file name when the client chose one; callers apply their own default. */
export function filename(opts: Opts): string | undefined {
  return opts.filename || undefined;
}

/** Local (session) name of the build context. */
export function contextKey(opts: Opts): string {
  return opts.contextkey || "context";
}

/** Local (session) name holding the definition file. */
export function dockerfileKey(opts: Opts): string {
  return opts.dockerfilekey || "dockerfile";
}

export function requestId(opts: Opts): string | undefined {
  return opts.requestid || undefined;
}

/**
 * `no-cache`: absent → undefined; present and empty (what `--no-cache` sends) → true, meaning
 * everything; otherwise the comma-separated names to rebuild.
 */
export function noCache(opts: Opts): true | string[] | undefined {
  const v = opts["no-cache"];
  if (v === undefined) return undefined;
  if (v === "") return true;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `force-network-mode`: default network for RUN-like steps. */
export function forceNetworkMode(opts: Opts): NetworkMode {
  const v = opts["force-network-mode"] ?? "";
  switch (v) {
    case "":
    case "sandbox":
    // Docker's CLI name for the sandbox network; dockerui itself only knows "sandbox".
    case "default":
      return "sandbox";
    case "host":
    case "none":
      return v;
    default:
      throw new OptsError(`invalid force-network-mode "${v}" (expected none, host or sandbox)`);
  }
}

/** `image-resolve-mode`: BuildKit's image.resolvemode values. */
export function imageResolveMode(opts: Opts): ImageResolveMode {
  const v = opts["image-resolve-mode"] ?? "";
  switch (v) {
    case "":
    case "default":
      return "default";
    case "pull":
    case "local":
      return v;
    default:
      throw new OptsError(`invalid image-resolve-mode "${v}" (expected default, pull or local)`);
  }
}

export interface CacheImport {
  type: string;
  attrs: Record<string, string>;
}

/** `cache-imports` (JSON `[{"Type","Attrs"}]`) plus the legacy `cache-from` CSV of registry refs. */
export function cacheImports(opts: Opts): CacheImport[] {
  const out: CacheImport[] = [];
  const json = opts["cache-imports"];
  if (json) {
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw new OptsError(`cache-imports is not valid JSON: ${(err as Error).message}`);
    }
    if (data !== null && !Array.isArray(data)) throw new OptsError("cache-imports must be a JSON array");
    for (const e of (data as unknown[] | null) ?? []) {
      if (!isObject(e)) throw new OptsError("cache-imports entries must be objects");
      const attrs: Record<string, string> = {};
      if (isObject(e.Attrs)) for (const [k, v] of Object.entries(e.Attrs)) attrs[k] = String(v);
      out.push({ type: typeof e.Type === "string" ? e.Type : "", attrs });
    }
  }
  const legacy = opts["cache-from"];
  if (legacy) for (const ref of legacy.split(",")) out.push({ type: "registry", attrs: { ref } });
  return out;
}

// The largest |seconds| the LLB's nanosecond timestamps hold exactly (src/llb/file.ts): 2116.
const MAX_EPOCH = Math.floor(Number.MAX_SAFE_INTEGER / 1953125);

/** `build-arg:SOURCE_DATE_EPOCH` as Unix seconds; undefined when unset or empty. */
export function sourceDateEpoch(opts: Opts): number | undefined {
  const v = opts["build-arg:SOURCE_DATE_EPOCH"];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw new OptsError(`invalid SOURCE_DATE_EPOCH "${v}" (expected integer Unix seconds)`);
  }
  if (Math.abs(n) > MAX_EPOCH) {
    throw new OptsError(
      `invalid SOURCE_DATE_EPOCH "${v}" (out of range; at most ${MAX_EPOCH}, the year 2116)`,
    );
  }
  return n;
}

/**
 * `attest:sbom` (buildx `--sbom=true`): CSV `key=value` fields as BuildKit's attestations.Parse
 * reads them; `disabled=true` turns it off. The generator image is ignored: scratchkit writes
 * the SBOM itself, and BuildKit runs no scanner once the result carries one.
 */
export function sbomRequested(opts: Opts): boolean {
  const v = opts["attest:sbom"];
  if (v === undefined) return false;
  const fields = new Map(
    v
      .split(",")
      .filter((f) => f !== "")
      .map((f) => {
        const i = f.indexOf("=");
        return i < 0
          ? [f.trim().toLowerCase(), ""]
          : [f.slice(0, i).trim().toLowerCase(), f.slice(i + 1).trim()];
      }),
  );
  const disabled = fields.get("disabled");
  if (disabled === undefined || disabled === "" || disabled === "false") return true;
  if (disabled === "true") return false;
  throw new OptsError(`invalid attest:sbom "${v}" (disabled must be true or false)`);
}

export { formatPlatform, parsePlatform } from "../platform.js";

/**
 * `multi-platform` (or build arg BUILDKIT_MULTI_PLATFORM), as dockerui reads it: the result is
 * keyed by platform even for one platform. An unparsable value is an error.
 */
export function multiPlatform(opts: Opts): boolean {
  const v = opts["multi-platform"] ?? opts["build-arg:BUILDKIT_MULTI_PLATFORM"];
  if (v === undefined || v === "") return false;
  const b = parseBool(v);
  if (b === undefined) throw new OptsError(`invalid multi-platform "${v}" (expected true or false)`);
  return b;
}

/** Go's strconv.ParseBool spellings. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** `platform` CSV → normalized target platforms; undefined when not requested (use the worker's). */
export function platforms(opts: Opts, defaultPlatform?: Platform): Platform[] | undefined {
  const v = opts.platform;
  if (!v) return undefined;
  return v.split(",").map((p) => parsePlatform(p, defaultPlatform));
}
