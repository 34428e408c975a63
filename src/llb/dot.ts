// A Graphviz picture of a dumped Definition (`scratchkit llb --dot | dot -Tsvg`): one box per
// op, an edge from each input to the op that reads it, data flowing down to the result.
import type { DumpedOp } from "./dump.js";

const MAX_LABEL = 60;

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function shorten(s: string): string {
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s;
}

/** What the op does, in a few words: its progress name if it has one, else its main fields. */
export function opSummary(d: DumpedOp): string {
  const name = (d.metadata?.description as Record<string, string> | undefined)?.["llb.customname"];
  if (name) return name;
  const op = d.op as Record<string, Record<string, unknown> | undefined>;
  switch (d.kind) {
    case "source":
      return String(op.identifier ?? "source");
    case "exec":
      return `exec ${((op.meta?.args as string[] | undefined) ?? []).join(" ")}`;
    case "file": {
      const actions = (d.op.actions as Array<Record<string, Record<string, unknown>>> | undefined) ?? [];
      return `file ${actions
        .map((a) => {
          const [kind = "?", body = {}] =
            Object.entries(a).find(([k]) => k !== "input" && k !== "output" && k !== "secondaryInput") ?? [];
          return `${kind} ${String(body.path ?? body.dest ?? "")}`.trim();
        })
        .join(", ")}`;
    }
    case "merge":
      return `merge ${d.inputs.length} inputs`;
    default:
      return "result";
  }
}

export function toDot(ops: DumpedOp[]): string {
  const lines = ["digraph llb {", "  node [shape=box, fontname=monospace];"];
  for (const d of ops) {
    const label = `${shorten(opSummary(d))}\n${d.digest.slice(0, 19)}`;
    lines.push(`  ${quote(d.digest)} [label=${quote(label)}${d.kind ? "" : ", shape=ellipse"}];`);
  }
  for (const d of ops) {
    for (const i of d.inputs) {
      const attrs = i.index !== 0 ? ` [label=${quote(`output ${i.index}`)}]` : "";
      lines.push(`  ${quote(i.digest)} -> ${quote(d.digest)}${attrs};`);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
