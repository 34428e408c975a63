import { isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { Context } from "./context.js";

/**
 * Reports keys that appear twice in one mapping, anywhere in the document, naming the
 * line of the first. Linear in the document's size: the yaml library's own `uniqueKeys`
 * check compares every key with every earlier one (20k labels took seconds).
 */
export function reportDuplicateKeys(ctx: Context, root: Node | null | undefined): void {
  const stack: Array<[Node | null | undefined, string]> = [[root, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [Node | null | undefined, string];
    const children: Array<[Node | null | undefined, string]> = [];
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        children.push([item as Node, `${path}[${i}]`]);
      });
    } else if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items as Pair<Node, Node>[]) {
        const key = pair.key;
        if (isScalar(key)) {
          // Typed like the yaml library's own check: 1 and "1" are different keys.
          const id = `${typeof key.value}:${String(key.value)}`;
          const first = seen.get(id);
          const name = `${path ? `${path}.` : ""}${String(key.value)}`;
          if (first) ctx.error(key, `duplicate key ${name}; it is first set at line ${ctx.span(first).line}`);
          else seen.set(id, key);
          children.push([pair.value, name]);
        } else {
          children.push([pair.value, path]);
        }
      }
    }
    // Reversed, so the walk (and the errors) follow the document's order.
    for (let i = children.length - 1; i >= 0; i--)
      stack.push(children[i] as [Node | null | undefined, string]);
  }
}
