/** Picks the closest known word for a "did you mean" hint, or undefined when none is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return closestWithDistance(word, candidates)?.word;
}

/** Allow about one typo per three letters, so "pakages" hints "packages" but "foo" hints nothing. */
export function allowedTypos(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

/** The candidate nearest to `word` (first one on ties) within `limit` edits, and its distance. */
export function closestWithDistance(
  word: string,
  candidates: readonly string[],
  limit = allowedTypos(word),
): { word: string; distance: number } | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const c of candidates) {
    // The distance is at least the difference in length: a 150 KB key is never measured
    // against "packages" (that alone cost a second of CPU per key).
    if (Math.abs(word.length - c.length) > limit) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d > limit) continue;
    if (best === undefined || d < best.distance) best = { word: c, distance: d };
  }
  return best;
}

/**
 * Optimal string alignment distance: Levenshtein plus the swap of two neighbouring
 * letters as one edit, the commonest typo ("mdoe" is one edit from "mode", not two).
 */
export function editDistance(a: string, b: string): number {
  // Three rows: the transposition looks two rows back.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      }
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
