// `scratchkit llb MANIFEST`: the LLB a manifest becomes, decoded like `buildctl debug dump-llb`
// (one JSON object per op and line), or as a Graphviz graph with --dot.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { manifestDefinition } from "../graph/definition.js";
import { toDot } from "../llb/dot.js";
import { dumpDefinition } from "../llb/dump.js";
import { parsePlatform } from "../platform.js";
import { type Command, UsageError } from "./command.js";
import { readManifest } from "./manifest-file.js";

export const llbCommand: Command = {
  name: "llb",
  synopsis: "MANIFEST [--platform P] [--target T] [--dot]",
  summary: "print the LLB a manifest becomes, one decoded op per line (like buildctl debug dump-llb)",
  details: `options:
  --platform P   the target platform (default linux/amd64)
  --target T     the manifest target to build (default: the first)
  --dot          print a Graphviz graph instead: scratchkit llb scratchkit.yaml --dot | dot -Tsvg > llb.svg
  -h, --help     this help

The build context is the manifest's directory: like the frontend, the definition leaves out the
manifest itself and applies MANIFEST.dockerignore if it exists, else the directory's .dockerignore.

output: one JSON object per op in definition order (inputs before the ops that read them, the
terminal op last): {"digest", "inputs", "kind", "op", "platform", "metadata", "locations"}, with
enums by name, bytes as text and file modes in octal.
exit status: 0 printed, 1 the manifest has errors (printed as file:line:col), 2 usage error.`,
  options: {
    platform: { type: "string", default: "linux/amd64" },
    target: { type: "string" },
    dot: { type: "boolean", default: false },
  },
  async run({ positionals, values }, out) {
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError("no manifest file given");
    if (extra.length > 0) throw new UsageError(`one manifest at a time (also given: ${extra.join(" ")})`);
    const platform = parsePlatform(String(values.platform));
    const manifest = readManifest(file, out);
    if (!manifest) return 1;
    const { bytes } = manifestDefinition(
      manifest,
      { platform, ...(typeof values.target === "string" ? { target: values.target } : {}) },
      { filename: basename(file), dockerignore: dockerignoreFor(file) },
    );
    const ops = dumpDefinition(bytes);
    if (values.dot === true) out.stdout(toDot(ops).trimEnd());
    else for (const op of ops) out.stdout(JSON.stringify(op));
    return 0;
  },
};

/** The .dockerignore the frontend would apply: the manifest's own, else the context's. */
function dockerignoreFor(file: string): string {
  for (const candidate of [`${file}.dockerignore`, join(dirname(file), ".dockerignore")]) {
    if (existsSync(candidate)) return readFileSync(candidate, "utf8");
  }
  return "";
}
