// What makes a path from the manifest unfit for BuildKit beyond escaping its root: control
// characters. A NUL cuts the path short in the kernel, and tabs, newlines and escapes are
// never part of a real file name here but do break patterns, logs and error messages.

const CONTROL = /[\u0000-\u001f\u007f]/;

const NAMES: Record<string, string> = {
  "\0": "a NUL character",
  "\t": "a tab",
  "\n": "a newline",
  "\r": "a carriage return",
};

/** Why the path cannot be used ("contains a tab"), or undefined when it can. */
export function pathProblem(p: string): string | undefined {
  const c = CONTROL.exec(p)?.[0];
  if (c === undefined) return undefined;
  const code = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  return `contains ${NAMES[c] ?? `the control character U+${code}`}`;
}
