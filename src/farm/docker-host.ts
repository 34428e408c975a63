// A Docker host string (unix:///path, tcp://host:port with optional TLS client files)
// as a dockerode client.
import { readFileSync } from "node:fs";
import Docker from "dockerode";
import { ConfigError, type EngineConfig } from "./config.js";

type TlsFiles = NonNullable<EngineConfig["tls"]>;

/** Reads one TLS file; an unreadable one is a config error naming the engine, the key and the file. */
function readTlsFile(engine: string, which: keyof TlsFiles, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`engines.${engine}.tls.${which}: cannot read ${path} (${code})`);
  }
}

export function dockerFor(host: string, tls?: TlsFiles, engine = "frontend-source"): Docker {
  if (host.startsWith("unix://")) {
    if (tls) throw new ConfigError(`engines.${engine}.tls: TLS needs a tcp:// host, got ${host}`);
    return new Docker({ socketPath: host.slice("unix://".length) });
  }
  const u = new URL(host.replace(/^tcp:/, "http:"));
  const port = Number(u.port || (tls ? 2376 : 2375));
  if (!tls) return new Docker({ host: u.hostname, port, protocol: "http" });
  return new Docker({
    host: u.hostname,
    port,
    protocol: "https",
    ca: readTlsFile(engine, "ca", tls.ca),
    cert: readTlsFile(engine, "cert", tls.cert),
    key: readTlsFile(engine, "key", tls.key),
  });
}
