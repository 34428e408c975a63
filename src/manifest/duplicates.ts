import { isCollection, isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { Context } from "./context.js";

/**
 * Reports keys that appear twice in one mapping, anywhere in the document, naming the
 * line of the first. Linear in the document's size: the yaml library's own `uniqueKeys`
 * check compares every key with every earlier one (20k labels took seconds).
 */
export function reportDuplicateKeys(ctx: Context, root: Node | null | undefined): void {
  const found: Array<{ key: Node; message: string }> = [];
  const stack: Array<[unknown, string]> = [[root, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isCollection(item)) stack.push([item, `${path}[${i}]`]);
      });
    } else if (isMap(node)) {
      // Keyed by the scalar's value: a Map tells 1 from "1", as the yaml library does.
      const seen = new Map<unknown, Node>();
      const name = (key: unknown) => `${path ? `${path}.` : ""}${String(key)}`;
      for (const pair of node.items as Pair<Node, Node>[]) {
        const key = pair.key;
        if (isScalar(key)) {
          const first = seen.get(key.value);
          if (first)
            found.push({
              key,
              message: `duplicate key ${name(key.value)}; it is first set at line ${ctx.span(first).line}`,
            });
          else seen.set(key.value, key);
        }
        if (isCollection(pair.value)) stack.push([pair.value, isScalar(key) ? name(key.value) : path]);
      }
    }
  }
  // In the document's order, like every other list of errors.
  found.sort((a, b) => (a.key.range?.[0] ?? 0) - (b.key.range?.[0] ?? 0));
  for (const f of found) ctx.error(f.key, f.message);
}
