import calculateSlot from 'cluster-key-slot';

/**
 * Whether these store keys (before the `gh:` prefix) live in one Redis Cluster hash slot, i.e. one
 * multi-key command or script over them stays atomic on a Cluster. Keys get there by sharing a
 * hash tag: the part between the first `{` and the next `}`.
 */
export function sameHashSlot(keys: readonly string[], keyPrefix = 'gh:'): boolean {
  return new Set(keys.map((k) => calculateSlot(keyPrefix + k))).size <= 1;
}
