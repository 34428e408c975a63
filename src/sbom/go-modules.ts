// Go build info's module lines → SourceModules with purls, the way `go version -m` reads them.

import type { GoBuildInfo } from "../elf/go-buildinfo.js";
import type { SourceModule } from "./evidence.js";
import { golangPurl } from "./purl.js";

/**
 * The main module (`mod`), every dependency (`dep`, with a following `=>` replacement taking its
 * place) and the standard library as `pkg:golang/stdlib@goX.Y.Z`. `(devel)` versions are kept
 * as Go prints them. Pure.
 */
export function goModules(info: GoBuildInfo): SourceModule[] {
  const out: SourceModule[] = [];
  for (const line of info.modInfo.split("\n")) {
    const [kind, path, version] = line.split("\t");
    if (!path || version === undefined) continue;
    if (kind === "mod" || kind === "dep") out.push(goModule(path, version));
    else if (kind === "=>" && out.length > 0) {
      // A local directory replacement has no module path of its own: the required path stays.
      const local = path.startsWith(".") || path.startsWith("/");
      const replaced = out[out.length - 1];
      out[out.length - 1] = goModule(local && replaced ? replaced.name : path, version);
    }
  }
  const go = /^go(\d+(?:\.\d+)*)/.exec(info.goVersion);
  if (go) out.push(goModule("stdlib", `go${go[1]}`));
  return out;
}

function goModule(name: string, version: string): SourceModule {
  return { ecosystem: "golang", name, version, purl: golangPurl(name, version) };
}
