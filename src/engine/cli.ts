import { existsSync, readFileSync } from "node:fs";

/** Where deploy/engine.sh records the docker CLI (with buildx) it verified. */
const CLI_PATH_FILE = "/opt/scratchkit/docker-cli-path";

/** The docker CLI with buildx: $SCRATCHKIT_DOCKER, else the one engine.sh installed, else PATH's. */
export function dockerCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCRATCHKIT_DOCKER) return env.SCRATCHKIT_DOCKER;
  return existsSync(CLI_PATH_FILE) ? readFileSync(CLI_PATH_FILE, "utf8").trim() : "docker";
}
