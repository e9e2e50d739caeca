/** One request an ordered receiver saw: the event's key and its number within the key. */
export interface SeenRequest {
  key: string;
  seq: number;
  ok: boolean;
}

/**
 * Per key, in the order the receiver saw them: a first delivery of seq n while an earlier one
 * was neither acknowledged nor dead-lettered (`dead` holds `key/seq`) is an order violation; a
 * request for a seq already acknowledged is a duplicate (a redone delivery after a kill).
 */
export function checkOrder(seen: readonly SeenRequest[], keys: readonly string[], dead: ReadonlySet<string>) {
  let violations = 0;
  let duplicates = 0;
  /** Per key, requests for events it had already acknowledged. */
  const repeatsPerKey = new Map<string, number>();
  for (const key of keys) {
    let next = 0;
    for (const s of seen.filter((x) => x.key === key)) {
      while (dead.has(`${key}/${next}`)) next++;
      if (s.seq < next) {
        if (s.ok) duplicates++;
        if (s.ok) repeatsPerKey.set(key, (repeatsPerKey.get(key) ?? 0) + 1);
      } else if (s.seq > next) violations++;
      else if (s.ok) next++;
    }
  }
  return { violations, duplicates, repeatsPerKey };
}
