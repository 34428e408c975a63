// What a program is before any byte of it is read: a regular, non-empty file with an execute
// bit. Shared by the frontend's gate (facts from BuildKit's listing) and `scratchkit check-elf`
// (facts from lstat), so a FIFO or an empty file is refused the same way in both.
import { describeKind, type FileKind } from "../gateway/file-mode.js";

export interface FileFacts {
  kind: FileKind;
  size: number;
  /** Permission bits the file will have where it runs (the artifact's mode: when set). */
  perm: number;
}

export interface NotAProgram {
  /** Reads after "<file> is ". */
  reason: string;
  fix: string;
}

const ANY_EXEC = 0o111;

/** Why these facts cannot be a program, or undefined when the bytes decide. */
export function notAProgram(f: FileFacts): NotAProgram | undefined {
  if (f.kind !== "file") {
    return {
      reason: `${describeKind(f.kind)}, not a program`,
      fix: "list only compiled programs under artifacts (data files go under data)",
    };
  }
  if (f.size === 0) {
    return {
      reason: "an empty file (0 bytes), not a program",
      fix: "check that the build step really writes it",
    };
  }
  if ((f.perm & ANY_EXEC) === 0) {
    return {
      reason: `not executable (mode ${octal(f.perm)}, no execute bit), so it cannot run`,
      fix: "chmod +x it in the build step or set mode: on the artifact; data files go under data",
    };
  }
  return undefined;
}

/** Whether the file would be run as a program: any execute bit. */
export function isExecutable(perm: number): boolean {
  return (perm & ANY_EXEC) !== 0;
}

export function octal(perm: number): string {
  return `0${(perm & 0o7777).toString(8).padStart(3, "0")}`;
}
