// `node scripts/run-ts.mjs ENTRY.ts [args...]`: runs a TypeScript entry point outside vitest
// (`npm run bench`, `npm run fuzz:elf`). Bundles it (and the src/ code it uses) with esbuild
// into .scratchkit/run/, then imports it; the entry sees its own args in process.argv.slice(2).
// Dependencies stay external, resolved from node_modules.
import { basename } from "node:path";
import { build } from "esbuild";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs ENTRY.ts [args...]");
  process.exit(2);
}
const outfile = `.scratchkit/run/${basename(entry).replace(/\.ts$/, "")}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
process.argv = [process.argv[0], outfile, ...args];
await import(new URL(`../${outfile}`, import.meta.url).href);
