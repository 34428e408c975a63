// Enough of Go's text/tabwriter (minwidth 0, tabwidth 0, padchar ' ', no flags) to print
// tables byte for byte like BuildKit's Print* functions, which buildx uses for text output.
// As in Go, a line's last cell (after its last tab) does not take part in alignment.

/** Width in runes, as Go counts it (utf8.RuneCount). */
function width(s: string): number {
  return [...s].length;
}

/**
 * Formats rows of cells: every cell but a row's last is padded to its column's widest cell
 * plus `padding`. Rows here are always one block (Go splits blocks only at rows with fewer
 * cells, which our tables never have).
 */
export function tabulate(rows: string[][], padding: number): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows
    .map((row) => {
      const cells = row.map((cell, i) =>
        i < row.length - 1 ? cell + " ".repeat((widths[i] ?? 0) + padding - width(cell)) : cell,
      );
      return `${cells.join("")}\n`;
    })
    .join("");
}
