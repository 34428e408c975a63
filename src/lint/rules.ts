// scratchkit's lint rules: what `--call check` reports and what a build prints as warnings.
// Each rule is a pure function of the parsed manifest (plus the locator for precise ranges);
// none fails a build. The README's "Lint rules" section documents every rule; keep both in step.
import path from "node:path/posix";
import { type ImageReference, parseImageRef } from "../llb/reference.js";
import type { Manifest, Span, Target } from "../manifest/types.js";
import { formatPlatform, type Platform } from "../platform.js";
import type { ManifestLocator } from "./locate.js";
import { programOf, simpleCommands } from "./shell.js";

export interface LintRule {
  name: string;
  /** One line, shown as the warning's description. */
  description: string;
  url: string;
}

/** One finding: which rule, what exactly is wrong here, and where. */
export interface LintFinding {
  rule: LintRule;
  detail: string;
  span: Span;
}

/** Each rule's documentation is a heading in the README; GitHub anchors are the lowercased name. */
const DOCS = "https://github.com/scratchkit/scratchkit#";

function rule(name: string, description: string): LintRule {
  return { name, description, url: `${DOCS}${name.toLowerCase()}` };
}

export const UnpinnedBaseImage = rule(
  "UnpinnedBaseImage",
  "The build image should be pinned to a version tag or a digest",
);
export const RunsAsRoot = rule("RunsAsRoot", "The image should not run its program as root");
export const UnstrippedBuild = rule(
  "UnstrippedBuild",
  "Build commands that link a program should strip it (-s)",
);
export const ShellFormCommand = rule(
  "ShellFormCommand",
  "entrypoint and cmd cannot start a shell: a FROM scratch image has none",
);

export const HardcodedArchitecture = rule(
  "HardcodedArchitecture",
  "Build commands should target $TARGETARCH, not a fixed architecture",
);

export const RULES: readonly LintRule[] = [
  UnpinnedBaseImage,
  RunsAsRoot,
  UnstrippedBuild,
  ShellFormCommand,
  HardcodedArchitecture,
];

type Check = (m: Manifest, where: ManifestLocator, platforms: readonly Platform[]) => LintFinding[];

/** The build image has neither a digest nor a tag other than `latest`: it changes under you. */
const unpinnedBaseImage: Check = (m) => {
  const ref = m.build.image.value;
  // The LLB's reference parser, as everywhere: a registry's port is not a tag.
  let parsed: ImageReference;
  try {
    parsed = parseImageRef(ref);
  } catch {
    return []; // the parser has reported it already
  }
  const { tag, digest } = parsed;
  if (digest !== undefined || (tag !== undefined && tag !== "latest")) return [];
  const name = tag === undefined ? ref : ref.slice(0, -(tag.length + 1));
  const why = tag === undefined ? "has no tag, so it means latest" : "uses the latest tag";
  return [
    {
      rule: UnpinnedBaseImage,
      detail: `build.image ${ref} ${why}; pin a version (${name}:<version>) or a digest (${name}@sha256:...) so the toolchain does not change between builds`,
      span: m.build.image.span,
    },
  ];
};

/** The user is unset (scratch defaults to root) or names uid 0 / root. */
function isRoot(user: string | undefined): boolean {
  if (user === undefined) return true;
  const name = user.split(":")[0];
  return name === "root" || name === "0";
}

const runsAsRoot: Check = (m, where) =>
  m.targets.flatMap((t) => {
    if (!isRoot(t.image.user)) return [];
    const set = where.imageKey(t.name, "user");
    return [
      {
        rule: RunsAsRoot,
        detail:
          t.image.user === undefined
            ? `target ${t.name} runs as root; add essentials: [nonroot] (uid 65532) or set image.user`
            : `target ${t.name} sets image.user ${t.image.user}, which is root; use essentials: [nonroot] or another uid`,
        span: set ?? where.target(t.name),
      },
    ];
  });

// Compiler drivers that link when given -o without -c; cross and versioned names included.
const COMPILER =
  /^(?:[A-Za-z0-9_.]+-)*(?:cc|gcc|g\+\+|c\+\+|clang|clang\+\+|musl-gcc|musl-clang)(?:-\d+(?:\.\d+)*)?$/;
const NO_LINK = new Set(["-c", "-S", "-E", "-M", "-MM", "-fsyntax-only"]);
// Only flags that drop the symbol table count; -Wl,-S and -g0 keep it.
const STRIP_FLAGS = new Set(["-s", "-Wl,-s", "-Wl,--strip-all"]);
const STRIP = /^(?:[A-Za-z0-9_.]+-)*strip$/;

/** Whether `go build` args carry `-ldflags` with `-s` (the Go linker's strip). */
function goStrips(args: string[]): boolean {
  return args.some((a, i) => {
    const flags = /^--?ldflags=/.test(a)
      ? a.replace(/^--?ldflags=/, "")
      : /^--?ldflags$/.test(a)
        ? args[i + 1]
        : undefined;
    return flags !== undefined && flags.split(/\s+/).includes("-s");
  });
}

/**
 * A `build.run` command that links a C/C++ program (a compiler driver such as cc, gcc, g++,
 * clang or musl-gcc, called by name with -o and without -c/-S/-E) without -s, or runs
 * `go build` without -ldflags '-s ...', while no build command runs strip. Commands that name
 * the compiler through a variable ($CC) or a build system (make, cmake) are not judged.
 */
const unstrippedBuild: Check = (m) => {
  const steps = m.build.run.map((s) => ({
    step: s,
    commands: simpleCommands(s.command.value).map(programOf),
  }));
  const stripped = steps.some(({ commands }) =>
    commands.some((c) => c && STRIP.test(path.basename(c.program))),
  );
  if (stripped) return [];
  const findings: LintFinding[] = [];
  for (const { step, commands } of steps) {
    for (const c of commands) {
      if (!c) continue;
      const prog = path.basename(c.program);
      let what: string | undefined;
      if (COMPILER.test(prog) && c.args.includes("-o") && !c.args.some((a) => NO_LINK.has(a))) {
        if (!c.args.some((a) => STRIP_FLAGS.has(a))) what = `${prog} links without -s`;
      } else if (prog === "go" && c.args[0] === "build" && !goStrips(c.args)) {
        what = "go build links without -ldflags='-s -w'";
      }
      if (what) {
        findings.push({
          rule: UnstrippedBuild,
          detail: `${what}: symbols and debug info ship in the image; add -s (or run strip on the artifact)`,
          span: step.command.span,
        });
        break;
      }
    }
  }
  return findings;
};

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"]);

/** Whether the target ships a file under that name itself (then the shell exists). */
function ships(t: Target, program: string): boolean {
  const shipped = [...t.artifacts.map((a) => a.dest), ...t.data.map((d) => d.dest)];
  return program.startsWith("/")
    ? shipped.includes(path.normalize(program))
    : shipped.some((d) => path.basename(d) === program);
}

/**
 * entrypoint (or cmd, when there is no entrypoint) starts a shell, e.g. ["/bin/sh", "-c", "..."]:
 * shell form written as exec form. It fails at run time with "no such file or directory"
 * unless the target ships that shell itself.
 */
const shellFormCommand: Check = (m, where) =>
  m.targets.flatMap((t) => {
    const key = t.image.entrypoint !== undefined ? "entrypoint" : "cmd";
    const program = t.image[key]?.[0];
    if (program === undefined || !SHELLS.has(path.basename(program)) || ships(t, program)) return [];
    return [
      {
        rule: ShellFormCommand,
        detail: `target ${t.name}: image.${key} starts ${program}, but a FROM scratch image has no shell; run the program directly, e.g. ${key}: ${JSON.stringify([t.artifacts[0]?.dest ?? "/app"])}`,
        span: where.imageKey(t.name, key) ?? where.target(t.name),
      },
    ];
  });

// Architecture names as they appear in commands (GOARCH values, triples, -march, paths), by OCI name.
const ARCH_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/(?<![A-Za-z0-9_])(?:x86_64|x86-64|amd64)(?![A-Za-z0-9_])/, "amd64"],
  [/(?<![A-Za-z0-9_])(?:aarch64|arm64)(?![A-Za-z0-9_])/, "arm64"],
  [/(?<![A-Za-z0-9_])(?:armv7l?|armhf)(?![A-Za-z0-9_])/, "arm"],
  [/(?<![A-Za-z0-9_])i[3-6]86(?![A-Za-z0-9_])/, "386"],
  [/(?<![A-Za-z0-9_])(?:riscv64|ppc64le|s390x)(?![A-Za-z0-9_])/, ""],
];

/**
 * A `build.run` command names an architecture (GOARCH=amd64, x86_64-linux-musl-gcc,
 * --target aarch64-...) other than a platform being built: that platform's artifact would be
 * the wrong one (the gate then refuses it). Judged against the build's target platforms.
 */
const hardcodedArchitecture: Check = (m, _where, platforms) => {
  const findings: LintFinding[] = [];
  for (const step of m.build.run) {
    const text = step.command.value;
    for (const [re, oci] of ARCH_WORDS) {
      const hit = re.exec(text);
      if (!hit) continue;
      const named = oci || hit[0];
      const other = platforms.find((p) => p.architecture !== named);
      if (!other) continue;
      findings.push({
        rule: HardcodedArchitecture,
        detail: `build.run names ${hit[0]}, but TARGETARCH is ${other.architecture} when building ${formatPlatform(other)}; use $TARGETARCH (or build.cross) so each platform builds its own`,
        span: step.command.span,
      });
      break;
    }
  }
  return findings;
};

const CHECKS: readonly Check[] = [
  unpinnedBaseImage,
  runsAsRoot,
  unstrippedBuild,
  shellFormCommand,
  hardcodedArchitecture,
];

/** Every finding, in manifest order (then rule order), so output is stable. `platforms`: the build's targets. */
export function runChecks(
  m: Manifest,
  where: ManifestLocator,
  platforms: readonly Platform[],
): LintFinding[] {
  return CHECKS.flatMap((c) => c(m, where, platforms)).sort(
    (a, b) =>
      a.span.line - b.span.line || a.span.col - b.span.col || RULES.indexOf(a.rule) - RULES.indexOf(b.rule),
  );
}
