import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";
import { cleanPath } from "../llb/path.js";
import { OUTPUT_DIR } from "./defaults.js";
import type { Diagnostic } from "./errors.js";
import { pathProblem } from "./paths.js";
import { closest, closestWithDistance } from "./suggest.js";
import type { Located, Span } from "./types.js";

const MAX_ID = 4294967294;
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;
const escapeUnit = (c: string) => `\\u${c.charCodeAt(0).toString(16)}`;

/** Keys valid at another level of the manifest, for "did you mean" hints across levels. */
export interface KeyLevel {
  /** Path of the level from the document's top, e.g. "image." or "targets.cli.image.". */
  prefix: string;
  keys: readonly string[];
}

/** Reads typed values out of the YAML tree, collecting located diagnostics instead of throwing. */
export class Context {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {
    // The lexer does not count the line breaks inside some malformed tokens, so its errors
    // would land on the wrong line: count every line of the text here.
    lines.lineStarts.length = 0;
    lines.lineStarts.push(0);
    for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1))
      lines.lineStarts.push(i + 1);
  }

  span(node: Node | undefined): Span {
    const [start, end] = node?.range ?? [0, 0];
    const a = this.lines.linePos(start);
    // The range end sits after the value; step back so a value ending a line stays on it.
    const b = this.lines.linePos(Math.max(start, trimEnd(this.source, end)));
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }

  error(node: Node | undefined, message: string): void {
    this.errorSpan(this.span(node), message);
  }

  errorSpan(span: Span, message: string): void {
    // A key or value quoted as is may hold a lone surrogate (a "\ud800" escape); the message
    // travels as a protobuf string, which needs valid UTF-8: write those as escapes.
    this.diagnostics.push({ span, message: message.replace(LONE_SURROGATES, escapeUnit) });
  }

  errorAt(start: number, end: number, message: string): void {
    // The yaml library can place an error's end (an unclosed quote) past the text's last character.
    const a = this.lines.linePos(Math.min(start, this.source.length));
    const b = this.lines.linePos(Math.min(Math.max(start, end), this.source.length));
    this.errorSpan({ line: a.line, col: a.col, endLine: b.line, endCol: b.col }, message);
  }

  /** An unknown word, with a "did you mean" hint when one is close. */
  unknown(node: Node | undefined, word: string, known: readonly string[], what: string): void {
    const hint = closest(word, known);
    this.error(
      node,
      `unknown ${what} ${word}${hint ? `; did you mean ${hint}?` : `; expected one of ${known.join(", ")}`}`,
    );
  }

  /**
   * Reads a mapping's keys, reporting unknown ones with a "did you mean" hint: a close key of
   * this level, else a close key of one of the `elsewhere` levels (`entrypiont` at the top
   * level hints image.entrypoint).
   */
  keys(
    map: YAMLMap,
    known: readonly string[],
    prefix: string,
    elsewhere: readonly KeyLevel[] = [],
  ): Map<string, Node | undefined> {
    const out = new Map<string, Node | undefined>();
    for (const pair of map.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        this.error(pair.key ?? undefined, `${prefix || "top level"}: expected a plain key`);
        continue;
      }
      if (!known.includes(key)) {
        const hint = suggestKey(key, known, prefix, elsewhere);
        this.error(
          pair.key,
          `unknown key ${prefix}${key}${hint ? `; did you mean ${hint}?` : `; expected one of ${known.join(", ")}`}`,
        );
        continue;
      }
      // A key with no value ("run:") is reported where it stands, not as missing.
      out.set(key, pair.value ?? pair.key);
    }
    return out;
  }

  string(
    node: Node | undefined,
    what: string,
    pattern?: RegExp,
    expected?: string,
  ): Located<string> | undefined {
    if (!isScalar(node) || node.value === null || typeof node.value === "object") {
      this.error(node, `${what}: expected ${expected ?? "a string"}`);
      return undefined;
    }
    const value = String(node.value);
    // No value of a manifest has a use for NUL, and in a path, a command or an env value it
    // would be cut short (or fail) far from here.
    if (value.includes("\0")) {
      this.error(node, `${what}: ${JSON.stringify(value)} contains a NUL byte`);
      return undefined;
    }
    // A lone surrogate (from a "\ud800" escape) has no UTF-8 form: BuildKit refuses the definition.
    if (LONE_SURROGATE.test(value)) {
      this.error(node, `${what}: ${JSON.stringify(value)} is not valid Unicode (a lone surrogate)`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      this.error(node, `${what}: ${JSON.stringify(value)} is not ${expected ?? "valid"}`);
      return undefined;
    }
    // No path, command, name or value can carry a NUL: the kernel and BuildKit cut strings at it.
    if (value.includes("\0")) {
      this.error(node, `${what}: ${JSON.stringify(value)} contains a NUL character`);
      return undefined;
    }
    return { value, span: this.span(node) };
  }

  /** A string that must be one of `allowed` (a closed vocabulary), or an error listing them. */
  oneOf<T extends string>(
    node: Node | undefined,
    what: string,
    allowed: readonly T[],
  ): Located<T> | undefined {
    const s = this.string(node, what);
    if (s && (allowed as readonly string[]).includes(s.value)) return s as Located<T>;
    if (s) this.error(node, `${what}: expected one of ${allowed.join(", ")}`);
    return undefined;
  }

  stringList(node: Node | undefined, what: string, pattern?: RegExp, expected?: string): Located<string>[] {
    if (!isSeq(node)) {
      this.error(node, `${what}: expected a list${expected ? ` of ${expected}s` : ""}`);
      return [];
    }
    const out: Located<string>[] = [];
    for (const [i, item] of (node.items as Node[]).entries()) {
      const s = this.string(item, `${what}[${i}]`, pattern, expected);
      if (s) out.push(s);
    }
    return out;
  }

  stringMap(node: Node | undefined, what: string, keyPattern?: RegExp): Array<[string, string]> {
    if (!isMap(node)) {
      this.error(node, `${what}: expected a mapping of names to values`);
      return [];
    }
    const out: Array<[string, string]> = [];
    for (const pair of node.items as Pair<Node, Node>[]) {
      const key = this.string(pair.key, `${what} key`, keyPattern, "a variable name");
      const value = this.string(pair.value ?? undefined, `${what}.${key?.value ?? "?"}`);
      if (key && value) out.push([key.value, value.value]);
    }
    return out;
  }

  boolean(node: Node | undefined, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== "boolean") {
      this.error(node, `${what}: expected true or false`);
      return false;
    }
    return node.value;
  }

  /** A file mode: an octal string like "0755" or "755" (YAML would read 0755 as a number). */
  mode(node: Node | undefined, what: string): number | undefined {
    const s = this.string(node, what, /^0?[0-7]{3,4}$/, 'an octal mode like "0755"');
    return s ? Number.parseInt(s.value, 8) : undefined;
  }

  /** uid:gid as numbers: a scratch image has no /etc/passwd to resolve names against. */
  owner(node: Node | undefined, what: string): { uid: number; gid: number } | undefined {
    const s = this.string(node, what, /^\d{1,10}(:\d{1,10})?$/, "numeric uid[:gid], like 65532:65532");
    if (!s) return undefined;
    const [uid, gid] = s.value.split(":").map(Number);
    // 4294967295 is (uid_t)-1, "no change" to chown: the largest real id is one less.
    if ([uid, gid].some((id) => id !== undefined && id > MAX_ID)) {
      this.error(
        node,
        `${what}: ${JSON.stringify(s.value)} has an id over ${MAX_ID}, the largest uid or gid`,
      );
      return undefined;
    }
    return { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
  }

  /** Reports a path with a control character (paths.ts); true when the path is usable. */
  usablePath(at: Node | Span | undefined, p: string, what: string): boolean {
    const problem = pathProblem(p);
    const message = `${what}: ${JSON.stringify(p)} ${problem}`;
    if (problem) this.errorSpan(at && "line" in at ? at : this.span(at), message);
    return problem === undefined;
  }

  absPath(node: Node | undefined, what: string): string | undefined {
    const s = this.string(node, what);
    if (!s) return undefined;
    if (!s.value.startsWith("/") || s.value.split("/").includes("..")) {
      this.error(node, `${what}: expected an absolute path without "..", got ${JSON.stringify(s.value)}`);
      return undefined;
    }
    if (!this.usablePath(node, s.value, what)) return undefined;
    return cleanPath(s.value);
  }

  /** A path inside the output directory: "hello", "bin/hello" or "/out/hello". */
  outputPath(node: Node | undefined, what = "artifacts[]"): string | undefined {
    const s = this.string(node, what, undefined, `a path under ${OUTPUT_DIR}`);
    if (!s) return undefined;
    let p = s.value;
    if (p.startsWith(`${OUTPUT_DIR}/`)) p = p.slice(OUTPUT_DIR.length + 1);
    // Go's path.Clean (llb/path.ts): linear, where node's normalize is quadratic in "../../..".
    const clean = cleanPath(p);
    if (p.startsWith("/") || clean === "." || clean.startsWith("../") || clean === ".." || p.includes("\0")) {
      this.error(node, `${what}: ${JSON.stringify(s.value)} must be a path inside ${OUTPUT_DIR}`);
      return undefined;
    }
    if (!this.usablePath(node, s.value, what)) return undefined;
    return clean.replace(/\/$/, "");
  }
}

/** The full path of the closest key: this level first, then the other levels. */
function suggestKey(
  key: string,
  known: readonly string[],
  prefix: string,
  elsewhere: readonly KeyLevel[],
): string | undefined {
  const here = closest(key, known);
  if (here) return `${prefix}${here}`;
  let best: { word: string; distance: number } | undefined;
  for (const level of elsewhere) {
    const c = closestWithDistance(key, level.keys);
    if (c && (best === undefined || c.distance < best.distance))
      best = { word: `${level.prefix}${c.word}`, distance: c.distance };
  }
  return best?.word;
}

function trimEnd(source: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(source[i - 1] ?? "")) i--;
  return Math.max(0, i - 1);
}
