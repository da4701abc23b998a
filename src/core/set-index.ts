/** One-to-many indexes kept as a Map of Sets: the core's indexes and the session state beside them use this one. */

/** Adds (`sign` 1) or removes (-1) `value` under `key`; a key whose set becomes empty leaves the map. */
export function setIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V, sign: 1 | -1): void {
  let set = index.get(key);
  if (sign === 1) {
    if (!set) index.set(key, (set = new Set()));
    set.add(value);
  } else if (set) {
    set.delete(value);
    if (set.size === 0) index.delete(key);
  }
}
