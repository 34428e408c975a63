// The `scratchkit` command line: dispatches to a subcommand; `--help` anywhere exits 0.
import { checkElfCommand } from "./check-elf.js";
import { type Command, helpText, type Out, processOut, runCommand } from "./command.js";
import { farmCommand } from "./farm.js";
import { lintCommand } from "./lint.js";
import { llbCommand } from "./llb.js";
import { sbomCommand } from "./sbom.js";
import { showImageCommand } from "./show-image.js";

const COMMANDS: readonly Command[] = [
  llbCommand,
  lintCommand,
  checkElfCommand,
  showImageCommand,
  sbomCommand,
  farmCommand,
];

function overview(): string {
  const lines = ["usage: scratchkit <command> [options]", "", "commands:"];
  for (const c of COMMANDS) lines.push(`  ${c.name} ${c.synopsis}`, `      ${c.summary}`);
  lines.push("", "`scratchkit <command> --help` shows a command's options and exit status.");
  return lines.join("\n");
}

function usageError(problem: string, out: Out): number {
  out.stderr(`scratchkit: ${problem}`);
  out.stderr("usage: scratchkit <command> [options]; `scratchkit --help` lists the commands");
  return 2;
}

async function main(argv: string[], out: Out = processOut): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usageError("no command given", out);
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = rest[0];
    if (topic === undefined) {
      out.stdout(overview());
      return 0;
    }
    const cmd = COMMANDS.find((c) => c.name === topic);
    if (!cmd) return usageError(`unknown command ${topic}`, out);
    out.stdout(helpText(cmd));
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) return usageError(`unknown command ${name}`, out);
  return runCommand(cmd, rest, out);
}

// Exit once what was written has been flushed (a piped `llb` dump can be large).
const exit = (code: number) => process.stdout.write("", () => process.exit(code));
main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`scratchkit: ${err instanceof Error ? err.message : String(err)}\n`);
  exit(1);
});
