// The bench's view of a build: how many bridge calls of each kind, and how long they took.
import type { FrontendClient, Ref } from "./frontend-client.js";

/** Per method: [calls, summed ms, first start, last end], times in ms after `t0`. */
export type RpcTimes = Record<string, number[]>;

/** Each call in the order it ended: [method, start, end], ms after `t0` (which calls overlap). */
export type RpcCalls = Array<[string, number, number]>;

/**
 * `inner`, with every call (and every read through a Ref it returns) timed into `rpcs`, and
 * listed in `calls` when given.
 */
export function timedClient(
  inner: FrontendClient,
  t0: number,
  rpcs: RpcTimes = {},
  calls?: RpcCalls,
): FrontendClient {
  const time = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      return await call();
    } finally {
      const e = performance.now();
      const r = (rpcs[method] ??= [0, 0, s - t0, 0]);
      r[0] = (r[0] ?? 0) + 1;
      r[1] = (r[1] ?? 0) + e - s;
      r[3] = e - t0;
      calls?.push([method, s - t0, e - t0]);
    }
  };
  const timedRef = (ref: Ref): Ref => ({
    id: ref.id,
    readFile: (path, range) => time("readFile", () => ref.readFile(path, range)),
    readDir: (path, pattern) => time("readDir", () => ref.readDir(path, pattern)),
    statFile: (path) => time("statFile", () => ref.statFile(path)),
  });
  return {
    buildOpts: () => inner.buildOpts(),
    solve: async (definition, opts) => timedRef(await time("solve", () => inner.solve(definition, opts))),
    resolveImageConfig: (ref, opts) => time("resolveImageConfig", () => inner.resolveImageConfig(ref, opts)),
    inputs: () => time("inputs", () => inner.inputs()),
    warn: (w) => time("warn", () => inner.warn(w)),
  };
}
