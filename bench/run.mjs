// Entry of `npm run bench`: bundles bench/main.ts (and the src/ code it measures) with esbuild
// into .scratchkit/bench/, then runs it. Dependencies stay external, resolved from node_modules.
import { build } from "esbuild";

const outfile = ".scratchkit/bench/bench.mjs";
await build({
  entryPoints: ["bench/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
await import(new URL(`../${outfile}`, import.meta.url).href);
