// frontend.targets (`--call targets`): the images the manifest can produce (subrequests/targets).

import type { ManifestLocator } from "../lint/locate.js";
import type { Manifest } from "../manifest/types.js";
import { marshalIndent, type SubrequestAnswer } from "./result.js";
import { tabulate } from "./tabwriter.js";
import { type LocationJson, locationOf, RESULT_METADATA, type RequestDefinition } from "./types.js";

export const TARGETS_REQUEST: RequestDefinition = {
  name: "frontend.targets",
  version: "1.0.0",
  type: "rpc",
  description: "List all targets current build supports",
  opts: [],
  inputs: null,
  metadata: RESULT_METADATA,
  refs: null,
};

/** targets.Target; `base` and `platform` stay unset: every target is FROM scratch, for the build's platform. */
export interface TargetJson {
  name?: string;
  default?: boolean;
  description?: string;
  location?: LocationJson;
}

export interface TargetList {
  targets: TargetJson[];
  /** The manifest bytes (base64, as Go encodes []byte); locations index into it. */
  sources: string[];
}

export function targetList(manifest: Manifest, where: ManifestLocator): TargetList {
  return {
    targets: manifest.targets.map((t, i) => {
      const out: TargetJson = { name: t.name };
      // The first target is what a build without --target produces.
      if (i === 0) out.default = true;
      if (t.description) out.description = t.description;
      out.location = locationOf([where.target(t.name)]);
      return out;
    }),
    sources: [Buffer.from(manifest.source, "utf8").toString("base64")],
  };
}

/** targets.PrintTargets */
export function printTargets(list: TargetList): string {
  const rows = list.targets.map((t) => {
    const name = t.name ?? "";
    const label = t.default ? (name === "" ? "(default)" : `${name} (default)`) : name;
    return [label, t.description ?? ""];
  });
  return tabulate([["TARGET", "DESCRIPTION"], ...rows], 1);
}

export function targetsAnswer(manifest: Manifest, where: ManifestLocator): SubrequestAnswer {
  const list = targetList(manifest, where);
  return { json: marshalIndent(list), text: printTargets(list), version: TARGETS_REQUEST.version };
}
