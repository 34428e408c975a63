// Finds where things are in the manifest text, for lint ranges and outline comments. The
// parsed Manifest keeps spans for values only; pointing at `image: {user: root}` or at a
// target's key needs the YAML tree, so it is parsed again here (cheap, and only when asked).
import { isMap, isScalar, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from "yaml";
import type { Manifest, Span } from "../manifest/types.js";

export class ManifestLocator {
  readonly #root: YAMLMap | undefined;
  readonly #lines = new LineCounter();
  readonly #source: string;

  constructor(manifest: Pick<Manifest, "source">) {
    this.#source = manifest.source;
    const doc = parseDocument(manifest.source, { lineCounter: this.#lines, prettyErrors: false });
    this.#root = isMap(doc.contents) ? doc.contents : undefined;
  }

  /** The `key: value` pair at a path of mapping keys, from its key to the end of its value. */
  pair(path: readonly string[]): Span | undefined {
    const p = this.#find(path);
    if (!p || !isScalar(p.key) || !p.key.range) return undefined;
    const end = (p.value as Node | null)?.range?.[1] ?? p.key.range[1];
    return this.#span(p.key.range[0], end);
  }

  /** Where a target is declared: its key under `targets`, else the top level's artifacts or preset. */
  target(name: string): Span {
    return (
      this.pair(["targets", name]) ?? this.pair(["artifacts"]) ?? this.pair(["preset"]) ?? this.#span(0, 0)
    );
  }

  /**
   * An image setting of a target: its own `image.<key>`, else the top level's, which targets
   * inherit; undefined when neither sets it.
   */
  imageKey(target: string, key: string): Span | undefined {
    return this.pair(["targets", target, "image", key]) ?? this.pair(["image", key]);
  }

  /** The comment above a build arg (or after it on its line), like a Dockerfile ARG's. */
  argComment(name: string): string | undefined {
    const args = this.#root?.get("args", true);
    if (!isMap(args)) return undefined;
    const items = args.items as Pair<Node, Node | null>[];
    const i = items.findIndex((p) => isScalar(p.key) && String(p.key.value) === name);
    const p = items[i];
    if (!p) return undefined;
    // The yaml library keeps the first entry's leading comment on the mapping itself.
    const before = p.key?.commentBefore ?? (i === 0 ? args.commentBefore : undefined);
    const text = before ?? p.value?.comment ?? undefined;
    if (!text) return undefined;
    return text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join(" ");
  }

  #find(path: readonly string[]): Pair<Node, Node | null> | undefined {
    let map: unknown = this.#root;
    let found: Pair<Node, Node | null> | undefined;
    for (const key of path) {
      if (!isMap(map)) return undefined;
      found = (map.items as Pair<Node, Node | null>[]).find(
        (p) => isScalar(p.key) && String(p.key.value) === key,
      );
      if (!found) return undefined;
      map = found.value;
    }
    return found;
  }

  /** Offsets to a 1-based span whose end column is the last character, as the parser's spans are. */
  #span(start: number, end: number): Span {
    let last = Math.max(start, end - 1);
    while (last > start && /\s/.test(this.#source[last] ?? "")) last--;
    const a = this.#lines.linePos(start);
    const b = this.#lines.linePos(last);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
}
