// Bundles the frontend and the CLI into one file each: the frontend starts in a
// container for every build, so it must not resolve hundreds of modules at start-up.
import { build } from "esbuild";

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
await Promise.all([
  build({ ...common, entryPoints: ["src/frontend/main.ts"], outfile: "dist/frontend.cjs" }),
  build({
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/cli.cjs",
    // dockerode pulls in ssh2's native addon; the CLI runs where node_modules is installed.
    external: ["dockerode", "tar-stream"],
    banner: { js: "#!/usr/bin/env node" },
  }),
]);
