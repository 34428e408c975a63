// A Docker host string (unix:///path, tcp://host:port with optional TLS files) as a
// dockerode client and as the environment a docker CLI needs to reach the same host.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import Docker from "dockerode";
import type { EngineConfig } from "./config.js";

export function dockerFor(host: string, tls?: EngineConfig["tls"]): Docker {
  if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) });
  const u = new URL(host.replace(/^tcp:/, tls ? "https:" : "http:"));
  return new Docker({
    host: u.hostname,
    port: Number(u.port || (tls ? 2376 : 2375)),
    protocol: tls ? "https" : "http",
    ...(tls && { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }),
  });
}

/** DOCKER_HOST and, with TLS, the certificate directory the docker CLI expects (ca.pem, cert.pem, key.pem). */
export function dockerEnv(host: string, tls?: EngineConfig["tls"]): Record<string, string> {
  const env: Record<string, string> = { DOCKER_HOST: host };
  if (tls) {
    env.DOCKER_TLS_VERIFY = "1";
    env.DOCKER_CERT_PATH = dirname(tls.cert);
  }
  return env;
}
