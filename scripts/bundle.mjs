// Bundles the frontend and the CLI into one file each: the frontend starts in a
// container for every build, so it must not resolve hundreds of modules at start-up.
// `node scripts/bundle.mjs [--only cli|frontend] [--outdir DIR]` (default: both, into dist/).
// It is the package's `prepare` script too, so `npm ci` in a clone leaves a working bin.
import { chmodSync } from "node:fs";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const { values } = parseArgs({
  options: { only: { type: "string" }, outdir: { type: "string", default: "dist" } },
});
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
};
const bundles = {
  frontend: { ...common, entryPoints: ["src/frontend/main.ts"], outfile: `${values.outdir}/frontend.cjs` },
  cli: {
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: `${values.outdir}/cli.cjs`,
    // dockerode pulls in ssh2's native addon, better-sqlite3 is one, and grpc-health-check and
    // @grpc/reflection read .proto files next to their code: the CLI runs where node_modules is installed.
    external: [
      "dockerode",
      "tar-stream",
      "better-sqlite3",
      "grpc-health-check",
      "@grpc/reflection",
      "@grpc/proto-loader",
    ],
    banner: { js: "#!/usr/bin/env node" },
  },
};
const chosen = values.only ? [bundles[values.only]] : Object.values(bundles);
if (chosen.includes(undefined)) throw new Error(`--only: expected cli or frontend, got ${values.only}`);
await Promise.all(chosen.map((b) => build(b)));
// The bin runs as `./dist/cli.cjs` (npx, npm's global link): it must be executable.
if (chosen.includes(bundles.cli)) chmodSync(bundles.cli.outfile, 0o755);
