import { connectDocker } from "../engine/docker.js";
import { imageContents, runImage } from "../engine/image-contents.js";
import { type Command, UsageError } from "./command.js";

export const showImageCommand: Command = {
  name: "show-image",
  synopsis: "NAME [--run]",
  summary: "list an image's layers, files and entrypoint from the local Docker Engine (and run it)",
  details: `options:
  --run        also run the image and print its exit code and output
  -h, --help   this help

exit status: 0 shown (with --run: the container's exit code), 1 error, 2 usage error.`,
  options: { run: { type: "boolean" } },
  async run({ positionals, values }, out) {
    const [name, ...extra] = positionals;
    if (!name) throw new UsageError("no image name given");
    if (extra.length > 0) throw new UsageError(`one image at a time (also given: ${extra.join(" ")})`);
    const docker = connectDocker();
    const img = await imageContents(docker, name);
    const files = img.layers.flatMap((l) => l.files);
    const fileBytes = files.reduce((n, f) => n + f.size, 0);
    out.stdout(`image        ${name} (${img.id.slice(0, 19)}) ${img.os}/${img.architecture}`);
    const tarBytes = img.layers.reduce((n, l) => n + l.tarBytes, 0);
    out.stdout(
      `size         ${fileBytes} bytes of files, ${tarBytes} bytes of layer tar; ${img.size} bytes on the engine`,
    );
    out.stdout(`layers       ${img.layers.length}`);
    for (const [i, layer] of img.layers.entries()) {
      out.stdout(`layer ${i + 1}      ${layer.digest.slice(0, 12)}: ${layer.files.length} entries`);
      for (const f of layer.files)
        out.stdout(`  ${modeString(f)} ${String(f.size).padStart(9)} /${f.path.replace(/^\.?\//, "")}`);
    }
    out.stdout(`entrypoint   ${JSON.stringify(img.config.Entrypoint ?? null)}`);
    out.stdout(`cmd          ${JSON.stringify(img.config.Cmd ?? null)}`);
    if (values.run !== true) return 0;
    const r = await runImage(docker, name);
    out.stdout(`run          exit ${r.code}`);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  },
};

function modeString(f: { mode: number; type: string }): string {
  const t = f.type === "directory" ? "d" : f.type === "symlink" ? "l" : "-";
  const bits = "rwxrwxrwx";
  return t + [...bits].map((c, i) => ((f.mode >> (8 - i)) & 1 ? c : "-")).join("");
}
