// The `scratchkit` command line.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connectDocker } from "../engine/docker.js";
import { imageContents, runImage } from "../engine/image-contents.js";
import { parsePlatform } from "../gateway/opts.js";
import { manifestDefinition } from "../graph/definition.js";
import { ManifestError, parseManifest } from "../manifest/index.js";
import { CHECK_ELF_USAGE, checkElf } from "./check-elf.js";

const USAGE = `usage: scratchkit <command> [options]

commands:
  show-image NAME [--run]        list an image's layers, files and entrypoint (and run it)
  llb MANIFEST [--platform P] [--target T]
                                 print the LLB definition a manifest becomes, as JSON
  lint MANIFEST                  check a manifest; errors as file:line:col
  ${CHECK_ELF_USAGE}
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  "show-image": showImage,
  llb: printLlb,
  lint: lint,
  "check-elf": (args) => checkElf(args),
};

async function showImage(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { run: { type: "boolean" } },
  });
  const name = positionals[0];
  if (!name) return usage("show-image needs an image name");
  const docker = connectDocker();
  const img = await imageContents(docker, name);
  const files = img.layers.flatMap((l) => l.files);
  const fileBytes = files.reduce((n, f) => n + f.size, 0);
  console.log(`image        ${name} (${img.id.slice(0, 19)}) ${img.os}/${img.architecture}`);
  console.log(`size         ${img.size} bytes (files: ${fileBytes} bytes)`);
  console.log(`layers       ${img.layers.length}`);
  for (const [i, layer] of img.layers.entries()) {
    console.log(`layer ${i + 1}      ${layer.digest.slice(0, 12)}: ${layer.files.length} entries`);
    for (const f of layer.files)
      console.log(`  ${modeString(f)} ${String(f.size).padStart(9)} /${f.path.replace(/^\.?\//, "")}`);
  }
  console.log(`entrypoint   ${JSON.stringify(img.config.Entrypoint ?? null)}`);
  console.log(`cmd          ${JSON.stringify(img.config.Cmd ?? null)}`);
  if (values.run) {
    const r = await runImage(docker, name);
    console.log(`run          exit ${r.code}`);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  }
  return 0;
}

async function printLlb(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { platform: { type: "string", default: "linux/amd64" }, target: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) return usage("llb needs a manifest file");
  const manifest = readManifest(file);
  if (!manifest) return 1;
  const { definition, digests } = manifestDefinition(manifest, {
    platform: parsePlatform(values.platform ?? "linux/amd64"),
    ...(values.target ? { target: values.target } : {}),
  });
  console.log(JSON.stringify({ digests, definition }, null, 2));
  return 0;
}

async function lint(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) return usage("lint needs a manifest file");
  return readManifest(file) ? 0 : 1;
}

function readManifest(file: string): ReturnType<typeof parseManifest> | undefined {
  try {
    return parseManifest(readFileSync(file, "utf8"), file);
  } catch (err) {
    if (err instanceof ManifestError) {
      console.error(err.message);
      return undefined;
    }
    throw err;
  }
}

function modeString(f: { mode: number; type: string }): string {
  const t = f.type === "directory" ? "d" : f.type === "symlink" ? "l" : "-";
  const bits = "rwxrwxrwx";
  return t + [...bits].map((c, i) => ((f.mode >> (8 - i)) & 1 ? c : "-")).join("");
}

function usage(problem?: string): number {
  if (problem) console.error(`scratchkit: ${problem}`);
  console.error(USAGE);
  return 2;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === "help" || name === "--help" || name === "-h") return usage();
  const cmd = commands[name];
  if (!cmd) return usage(`unknown command ${name}`);
  return cmd(rest);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`scratchkit: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
