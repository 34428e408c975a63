import { type Command, UsageError } from "./command.js";
import { readManifest } from "./manifest-file.js";

export const lintCommand: Command = {
  name: "lint",
  synopsis: "MANIFEST...",
  summary: "check manifests; errors as file:line:col, as the frontend reports them",
  details: `options:
  -h, --help   this help

exit status: 0 every manifest is valid, 1 one has errors, 2 usage error.`,
  options: {},
  async run({ positionals }, out) {
    if (positionals.length === 0) throw new UsageError("no manifest file given");
    let ok = true;
    for (const file of positionals) if (!readManifest(file, out)) ok = false;
    return ok ? 0 : 1;
  },
};
