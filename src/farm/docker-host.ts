// A Docker host string (unix:///path, tcp://host:port with optional TLS client files)
// as a dockerode client.
import { readFileSync } from "node:fs";
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
