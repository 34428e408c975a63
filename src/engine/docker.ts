import Docker from "dockerode";

/** A dockerode client for the engine `npm run engine` started (DOCKER_HOST or the default socket). */
export function connectDocker(): Docker {
  return new Docker();
}
