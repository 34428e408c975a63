// `--cache-from` reaches every Solve the build makes (dockerui passes its CacheImports on the
// solve of the build), so BuildKit imports the cache before it runs anything.
import type { FrontendClient } from "./frontend-client.js";
import type { CacheImport } from "./opts.js";

/** `inner` with `imports` on each solve; `inner` itself when there are none. */
export function withCacheImports(inner: FrontendClient, imports: readonly CacheImport[]): FrontendClient {
  if (imports.length === 0) return inner;
  return {
    buildOpts: () => inner.buildOpts(),
    solve: (definition, opts) => inner.solve(definition, { ...opts, cacheImports: imports }),
    resolveImageConfig: (ref, opts) => inner.resolveImageConfig(ref, opts),
    inputs: () => inner.inputs(),
    warn: (w) => inner.warn(w),
  };
}
