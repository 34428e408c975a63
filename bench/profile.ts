// Where the time of a build goes, from the CLI's clock, the rawjson vertex timestamps and the
// frontend's own "frontend done" line (process start, Node start-up, Ping, bridge calls, Return).
import { type FrontendDone, frontendDone } from "./frontend-cost.js";
import { type Build, COMPARE, median, round, type Section, type Vertex } from "./lib.js";
import { compareName } from "./warm.js";

/** Epoch ms of an RFC 3339 timestamp with nanoseconds. */
function at(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(t) ? undefined : t;
}

function find(b: Build, test: (v: Vertex) => boolean): Vertex | undefined {
  return b.vertexes.find(test);
}

function firstStart(b: Build): number | undefined {
  const ts = b.vertexes.map((v) => at(v.started)).filter((t): t is number => t !== undefined);
  return ts.length ? Math.min(...ts) : undefined;
}

type Phases = Record<string, number | undefined>;

function scratchkitPhases(b: Build): Phases {
  const d: FrontendDone | undefined = frontendDone(b);
  const fe = find(b, (v) => v.name.startsWith("docker-image://") && v.name.includes("frontend"));
  const exec = find(b, (v) => v.name.startsWith("[build "));
  const exp = find(b, (v) => v.name.startsWith("exporting"));
  const def = firstStart(b);
  const proc = d?.timeOrigin;
  const main = proc !== undefined && d?.phases?.startup !== undefined ? proc + d.phases.startup : undefined;
  const ret = main !== undefined && d?.phases?.return !== undefined ? main + d.phases.return : undefined;
  const diff = (a?: number, z?: number) => (a !== undefined && z !== undefined ? z - a : undefined);
  const p: Phases = {
    "CLI start -> first vertex": diff(b.t0, def),
    "first vertex -> frontend image ready": diff(def, at(fe?.completed)),
    "frontend image ready -> frontend process start": diff(at(fe?.completed), proc),
    "process start -> main (Node + bundle load)": d?.phases?.startup,
    "main -> Ping answered": d?.phases?.bridge,
    "Ping -> Return answered":
      d?.phases?.return !== undefined && d.phases.bridge !== undefined
        ? d.phases.return - d.phases.bridge
        : undefined,
    "  compile exec (inside)": diff(at(exec?.started), at(exec?.completed)),
    "Return -> exporting start": diff(ret, at(exp?.started)),
    "Return -> CLI exit (export, CLI)": diff(ret, b.t1),
    "  exporting (inside)": diff(at(exp?.started), at(exp?.completed)),
    total: b.ms,
  };
  for (const [m, v] of Object.entries(d?.rpcs ?? {})) {
    p[`  rpc ${m} (calls x${v[0]}, summed)`] = v[1];
  }
  return p;
}

function dockerfilePhases(b: Build): Phases {
  const exec = find(b, (v) => v.name.includes("RUN "));
  const exp = find(b, (v) => v.name.startsWith("exporting"));
  const def = firstStart(b);
  const diff = (a?: number, z?: number) => (a !== undefined && z !== undefined ? z - a : undefined);
  return {
    "CLI start -> first vertex": diff(b.t0, def),
    "first vertex -> compile exec start": diff(def, at(exec?.started)),
    "  compile exec": diff(at(exec?.started), at(exec?.completed)),
    "  exporting": diff(at(exp?.started), at(exp?.completed)),
    "export end -> CLI exit": diff(at(exp?.completed), b.t1),
    total: b.ms,
  };
}

function medians(all: Phases[]): Record<string, number> {
  const keys = [...new Set(all.flatMap((p) => Object.keys(p)))];
  const out: Record<string, number> = {};
  for (const k of keys) {
    const xs = all.map((p) => p[k]).filter((x): x is number => x !== undefined);
    if (xs.length) out[k] = round(median(xs));
  }
  return out;
}

export function profile(results: Record<string, Section>): {
  lines: string[];
  data: Record<string, unknown>;
} {
  const data: Record<string, Record<string, number>> = {};
  const pick = (section: string, name: string) => results[section]?.builds?.[name] ?? [];
  const sets: Array<[string, Build[], (b: Build) => Phases]> = [
    ["cold scratchkit", pick("cold", "scratchkit"), scratchkitPhases],
    ["cold dockerfile", pick("cold", "dockerfile"), dockerfilePhases],
    ["warm scratchkit", pick("warm", "scratchkit"), scratchkitPhases],
    ["warm dockerfile", pick("warm", "dockerfile"), dockerfilePhases],
    ["warm floor (same image)", pick("warm", "floorSameImage"), scratchkitPhases],
    ["warm reads floor", pick("warm", "floorReads"), scratchkitPhases],
    ["warm empty floor", pick("warm", "floor"), scratchkitPhases],
    // No frontend line (it is Go): the vertices' times only.
    ["warm official frontend image", pick("warm", "official"), scratchkitPhases],
    ["warm official frontend image, Dockerfile.minimal", pick("warm", "officialMinimal"), scratchkitPhases],
    ["warm scratchkit, 100 artifacts", pick("frontend", "many"), scratchkitPhases],
    ...COMPARE.map((image, i): [string, Build[], (b: Build) => Phases] => [
      `warm ${image}`,
      pick("warm", compareName(i)),
      scratchkitPhases,
    ]),
  ];
  const lines: string[] = [];
  for (const [name, builds, f] of sets) {
    if (!builds.length) continue;
    const m = medians(builds.map(f));
    data[name] = m;
    lines.push(`${name}:`);
    for (const [k, v] of Object.entries(m)) lines.push(`  ${k.padEnd(52)} ${String(v).padStart(6)}`);
  }
  const floor = data["warm floor (same image)"]?.total;
  const dfWarm = data["warm dockerfile"]?.total;
  const skCold = data["cold scratchkit"]?.total;
  const dfCold = data["cold dockerfile"]?.total;
  if (floor !== undefined && dfWarm !== undefined) {
    const fixed = floor - dfWarm;
    lines.push(
      `fixed cost of any Node gateway frontend (floor - dockerfile warm): ${fixed}`,
      ...(skCold !== undefined && dfCold !== undefined
        ? [
            `cold ratio without that fixed cost: ${round((skCold - fixed) / dfCold, 3)} (scratchkit's own cold overhead: ${skCold - fixed - dfCold})`,
          ]
        : []),
    );
  }
  return { lines, data };
}
