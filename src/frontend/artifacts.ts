import { posix } from "node:path";
import type { BridgeClient, Stat } from "../gateway/client.js";
import { Code, type FrontendError } from "../gateway/errors.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact, Span } from "../manifest/types.js";
import { isNotFound } from "./solve.js";

/**
 * Every declared artifact must exist as a regular file, or the error lists what the build
 * wrote. One ReadDir per directory, not one StatFile per artifact: a manifest with 100
 * artifacts costs one round trip, not 100.
 */
export async function requireArtifacts(
  bridge: BridgeClient,
  ref: string,
  artifacts: Artifact[],
  located: (message: string, code: number, spans: Span[]) => FrontendError,
): Promise<Map<string, number>> {
  const dirs = [...new Set(artifacts.map((a) => posix.dirname(`/${a.path}`)))];
  const listings = new Map(
    await Promise.all(
      dirs.map(async (dir): Promise<[string, Map<string, Stat>]> => {
        try {
          const entries = await bridge.readDir(ref, dir);
          return [dir, new Map(entries.map((e) => [e.path, e]))];
        } catch (err) {
          // Only a missing directory is the manifest's problem; anything else is BuildKit's to report.
          if (!isNotFound(err)) throw err;
          return [dir, new Map<string, Stat>()];
        }
      }),
    ),
  );
  const statOf = (a: Artifact) => listings.get(posix.dirname(`/${a.path}`))?.get(posix.basename(a.path));
  const missing = artifacts.filter((a) => statOf(a) === undefined);
  // S_IFMT bits: a directory cannot be a program.
  const notFiles = artifacts.filter((a) => ((statOf(a)?.mode ?? 0) & 0o170000) === 0o040000);
  if (missing.length === 0 && notFiles.length === 0) {
    return new Map(artifacts.map((a) => [a.path, Number(statOf(a)?.size ?? 0)]));
  }
  const written = [...(listings.get("/")?.keys() ?? [])].sort();
  const lines = [
    ...missing.map(
      (a) =>
        `${OUTPUT_DIR}/${a.path} was not produced by the build; it wrote ${written.length ? written.map((w) => `${OUTPUT_DIR}/${w}`).join(", ") : `nothing to ${OUTPUT_DIR}`}`,
    ),
    ...notFiles.map((a) => `${OUTPUT_DIR}/${a.path} is a directory, not a program`),
  ];
  throw located(
    lines.join("\n"),
    Code.NotFound,
    [...missing, ...notFiles].map((a) => a.span),
  );
}
