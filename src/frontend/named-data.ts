// Named contexts that data entries copy from (`data[].from: NAME`), as a Dockerfile's
// COPY --from=NAME reads a named context (dockerui's NamedContext.Load).
import type { NamedContext } from "../gateway/build-config.js";
import { Code } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import { LocatedError } from "../gateway/located.js";
import type { State } from "../llb/index.js";
import type { DataFile, Located } from "../manifest/types.js";
import { lookupNamedContext } from "./named-contexts.js";
import { type NamedContextOptions, namedState } from "./named-state.js";

/** The named contexts `data` copies from, by the name the manifest writes; unknown names are located errors. */
export async function namedDataStates(
  client: FrontendClient,
  data: readonly DataFile[],
  contexts: ReadonlyMap<string, NamedContext>,
  opts: NamedContextOptions,
): Promise<Map<string, State>> {
  const wanted = new Map<string, Located<string>>();
  for (const d of data) if (d.named && !wanted.has(d.named.value)) wanted.set(d.named.value, d.named);
  const unknown = [...wanted.values()].filter((n) => !lookupNamedContext(contexts, n.value, opts.platform));
  if (unknown.length > 0) {
    const given =
      contexts.size > 0 ? `the named contexts given: ${[...contexts.keys()].join(", ")}` : "none was given";
    const at = unknown.map((n) => ({
      span: n.span,
      message: `data from: no named context ${JSON.stringify(n.value)} (${given}); pass --build-context ${n.value}=SOURCE`,
    }));
    throw LocatedError.at(at, Code.InvalidArgument);
  }
  const out = new Map<string, State>();
  for (const [name, at] of wanted) {
    const found = lookupNamedContext(contexts, name, opts.platform);
    if (found) out.set(name, await namedState(client, found, { span: at.span, field: "data from" }, opts));
  }
  return out;
}
