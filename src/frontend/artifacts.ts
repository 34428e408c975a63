import { Code } from "../gateway/errors.js";
import type { Ref } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import { log } from "../log.js";
import { OUTPUT_DIR } from "../manifest/defaults.js";
import type { Artifact } from "../manifest/types.js";
import { OutTree } from "../verify/out-tree.js";
import { planShipped, type ShipPlan } from "../verify/shipped.js";
import { isNotFound } from "./solve.js";

/**
 * What each artifact ships, from /out's listings (one ReadDir per directory, shared by all
 * artifacts: 100 artifacts in /out cost one round trip). A missing artifact throws, listing
 * what the build wrote (a LocatedError); anything else that cannot ship comes back in `failures`, to be
 * reported with the gate's.
 */
export async function requireArtifacts(ref: Ref, artifacts: Artifact[]): Promise<Omit<ShipPlan, "missing">> {
  const tree = new OutTree(async (dir) => {
    try {
      const entries = await ref.readDir(dir);
      log.debug({ dir, entries: entries.map((e) => [e.path, e.mode, e.size, e.linkname]) }, "listed /out");
      return entries;
    } catch (err) {
      // Only a missing directory is the manifest's problem; anything else is BuildKit's to report.
      if (!isNotFound(err)) throw err;
      return undefined;
    }
  });
  const { missing, ...plan } = await planShipped(artifacts, tree);
  if (missing.length === 0) return plan;
  const written = [...((await tree.listing("/"))?.keys() ?? [])].sort();
  const wrote = written.length
    ? written.map((w) => `${OUTPUT_DIR}/${w}`).join(", ")
    : `nothing to ${OUTPUT_DIR}`;
  throw new LocatedError(
    missing.map((a) => `${OUTPUT_DIR}/${a.path} was not produced by the build; it wrote ${wrote}`).join("\n"),
    Code.NotFound,
    missing.map((a) => a.span),
  );
}
