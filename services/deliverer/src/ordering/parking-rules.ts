import { holdValue, type Hold, type ParkedCount } from '@hookrail/shared';

/**
 * The pure rules of parking long-blocked ordered keys (docs/architecture.md, "Parking topic").
 *
 * When: a head retrying in place is parked once `parkAfter` offsets of its tier partition were
 * read past it since it started retrying (`shouldPark`), so a failing head holds the partition's
 * committed offset back by about `parkAfter` offsets more than were read past it before its first
 * failure; or at once when the lane cannot read on while it retries (`isStuck`).
 *
 * Whether a key is parked: per (subscription, key), the member owning the tier partition counts
 * the deliveries it appended to the parking topic (`appended`, each parked delivery carrying its
 * number), the member draining the parking partition records the number of the last one whose
 * outcome it committed (`drained`). A key is parked while appended > drained. Counts only grow
 * (the larger of what is known wins), so stale knowledge can only make the owner append more,
 * which keeps order; it can never send a key's event directly past a parked one.
 *
 * Whether a key is held by `onDeadLetter: park`: `held:<subscription>:<key>` records the dead
 * head that parked it (written with its dead letter) and then its release (written with the
 * outcome of the replay that unparked it); the last record read wins, except that what this
 * lane wrote itself wins until it is read back (a replay's release over a stale `held`).
 * The records themselves: shared/src/records/parked-state.ts.
 */
export function shouldPark(input: {
  headOffset: number;
  /**
   * The newest offset of the head's partition read when the head first failed, in this
   * assignment epoch. What was read before does not count: after a restart, the lane re-reads
   * from the committed offset what it had already passed (finished offsets skipped), and a head
   * that fails once then has not been blocking for all of that.
   */
  newestAtFirstFailure: number;
  /** The newest offset of its partition read now. */
  newestOffset: number;
  parkAfter: number;
  /** Set when the lane cannot read on while the head retries (`isStuck`). */
  stuck?: boolean;
}): boolean {
  if (input.stuck) return true;
  return input.newestOffset - Math.max(input.headOffset, input.newestAtFirstFailure) >= input.parkAfter;
}

/**
 * A head that failed again is stuck when nothing of its partition was read since its previous
 * failure and nothing can be now: the partition is paused on its window, or the lane's buffer is
 * full. Counting offsets would never reach `parkAfter` then (a head that first failed with its
 * window or the buffer already full, say after a restart while the receiver is down), and the
 * partition, or the whole lane, would wait for the head's ladder to end.
 */
export function isStuck(input: { newestAtPreviousFailure: number | undefined; newestOffset: number; readingStopped: boolean }): boolean {
  return input.readingStopped && input.newestAtPreviousFailure === input.newestOffset;
}

export interface Holds {
  /** A hold or release read from the state topic: the last one read wins. */
  observe(key: string, hold: Hold): void;
  /** A hold or release this lane writes: it wins until it is read back. */
  write(key: string, hold: Hold): void;
  /** Held, released, or never held as far as known. */
  state(key: string): Hold['state'] | undefined;
}

/** Keys are opaque here (the lane uses subscription + "\n" + order key). */
export function createHolds(): Holds {
  const read = new Map<string, Hold>();
  const written = new Map<string, Hold>();
  return {
    observe(key, hold) {
      read.set(key, hold);
      const own = written.get(key);
      if (own && holdValue(own) === holdValue(hold)) written.delete(key);
    },
    write(key, hold) {
      written.set(key, hold);
    },
    state(key) {
      return (written.get(key) ?? read.get(key))?.state;
    },
  };
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
