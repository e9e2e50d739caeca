/**
 * The pure rules of parking long-blocked ordered keys (docs/architecture.md, "Parking topic").
 *
 * When: a head retrying in place is parked once `parkAfter` offsets of its tier partition were
 * read past it (its own followers and every other record above it), so the partition's
 * committed offset is never held more than about `parkAfter` offsets back by a retrying head.
 *
 * Whether a key is parked: per (subscription, key), the member owning the tier partition counts
 * the deliveries it appended to the parking topic (`appended`, each parked delivery carrying its
 * number), the member draining the parking partition records the number of the last one whose
 * outcome it committed (`drained`). A key is parked while appended > drained. Counts only grow
 * (the larger of what is known wins), so stale knowledge can only make the owner append more,
 * which keeps order; it can never send a key's event directly past a parked one.
 */
export function shouldPark(input: { headOffset: number; newestOffset: number; parkAfter: number }): boolean {
  return input.newestOffset - input.headOffset >= input.parkAfter;
}

export type ParkedCount = 'appended' | 'drained';

/** The compacted state record's key: `appended:<subscription>:<order key>`. */
export function parkedStateKey(kind: ParkedCount, subscriptionId: string, orderKey: string): string {
  return `${kind}:${subscriptionId}:${orderKey}`;
}

/** The (kind, subscription, key) of a state record key, or undefined if it is not one. */
export function parseParkedStateKey(text: string): { kind: ParkedCount; subscriptionId: string; orderKey: string } | undefined {
  const match = /^(appended|drained):([^:]+):(.*)$/s.exec(text);
  if (!match) return undefined;
  return { kind: match[1] as ParkedCount, subscriptionId: match[2]!, orderKey: match[3]! };
}

export interface ParkedCounts {
  /** Takes a count read from the state topic (or learnt otherwise); the larger one wins. */
  observe(kind: ParkedCount, key: string, n: number): void;
  isParked(key: string): boolean;
  /** The number the next delivery appended for the key carries (counted as appended). */
  append(key: string): number;
  /** Keys parked now (for logs and tests). */
  readonly parked: number;
}

/** Keys are opaque here (the lane uses subscription + "\n" + order key). */
export function createParkedCounts(): ParkedCounts {
  const counts = new Map<string, { appended: number; drained: number }>();
  const of = (key: string) => {
    let count = counts.get(key);
    if (!count) counts.set(key, (count = { appended: 0, drained: 0 }));
    return count;
  };
  return {
    observe(kind, key, n) {
      const count = of(key);
      count[kind] = Math.max(count[kind], n);
    },
    isParked(key) {
      const count = counts.get(key);
      return count !== undefined && count.appended > count.drained;
    },
    append(key) {
      const count = of(key);
      count.appended = Math.max(count.appended, count.drained) + 1;
      return count.appended;
    },
    get parked() {
      let n = 0;
      for (const { appended, drained } of counts.values()) if (appended > drained) n++;
      return n;
    },
  };
}
