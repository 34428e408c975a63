// What every `scratchkit` subcommand shares: its help text, argument parsing with `--help`,
// and the exit codes (0 done, 1 the command's own "no", 2 a usage error).
import { type ParseArgsConfig, parseArgs } from "node:util";
import { OptsError } from "../opts-error.js";

export interface Out {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export const processOut: Out = {
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
};

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface Command {
  name: string;
  /** Arguments and options, after the command name. */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** The rest of `--help`: options, output, exit status. */
  details: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(args: Parsed, out: Out): Promise<number>;
}

/** A mistake in how the command was called: exit 2 with the message and the usage line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function usageLine(cmd: Command): string {
  return `usage: scratchkit ${cmd.name} ${cmd.synopsis}`;
}

export function helpText(cmd: Command): string {
  return `${usageLine(cmd)}\n\n${cmd.summary}\n\n${cmd.details.trimEnd()}`;
}

// node:util parseArgs reports bad arguments as TypeErrors with an ERR_PARSE_ARGS_* code.
function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS");
}

function usageError(cmd: Command, problem: string, out: Out): number {
  out.stderr(`scratchkit ${cmd.name}: ${problem}`);
  out.stderr(usageLine(cmd));
  return 2;
}

/** Parses args for cmd, answers --help (stdout, exit 0), and runs it. */
export async function runCommand(cmd: Command, args: string[], out: Out): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...cmd.options, help: { type: "boolean", short: "h" } },
    }) as Parsed;
  } catch (err) {
    if (isParseArgsError(err)) return usageError(cmd, err.message, out);
    throw err;
  }
  if (parsed.values.help) {
    out.stdout(helpText(cmd));
    return 0;
  }
  try {
    return await cmd.run(parsed, out);
  } catch (err) {
    // A malformed --platform is the caller's mistake too.
    if (err instanceof UsageError || err instanceof OptsError) return usageError(cmd, err.message, out);
    throw err;
  }
}
