/** KEY=value pairs as the manifest writes them (env, labels). */
export type Pairs = Array<[string, string]>;

/**
 * The one merge of env and label pairs: `over` replaces `base`'s pairs with the same key and
 * comes after them. Linear, for manifests with many labels.
 */
export function mergePairs(base: Pairs, over: Pairs): Pairs {
  const replaced = new Set(over.map(([k]) => k));
  return [...base.filter(([k]) => !replaced.has(k)), ...over];
}
