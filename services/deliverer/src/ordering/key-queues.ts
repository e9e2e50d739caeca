/**
 * The per-key rule of ordered subscriptions, as a pure state machine: per (subscription, key)
 * one item in flight (the head) and the rest waiting in arrival order. A head leaves only when
 * it is delivered or dead-lettered (its retries happen in place, so nothing overtakes it), or
 * when it is given up because its partition went to another instance.
 *
 * After a dead-lettered head, `continue` starts the next item; `park` hands back every waiting
 * item to be dead-lettered as parked, and parks the key: later arrivals are parked too, until
 * an arrival that is an operator's replay (`unpark`) clears it. What the lane knows durably
 * (the parked-state topic) is passed in with each arrival: `held` parks the key, `unpark`
 * clears it (a release this lane did not see).
 */
export type OnDeadLetter = 'continue' | 'park';

/** What to do with an arriving item: run it now, leave it queued, or dead-letter it as parked. */
export type Arrival = 'start' | 'wait' | 'park';

export interface Advance<T> {
  /** The key's new head, to start now. */
  next?: T;
  /** Items to dead-letter as parked, in their order. */
  parked: T[];
}

export interface KeyQueues<T> {
  arrive(key: string, item: T, options?: { unpark?: boolean; held?: boolean }): Arrival;
  /** The head ended: delivered, or dead-lettered (then `onDeadLetter` decides about the rest). */
  finish(key: string, head: T, result: 'delivered' | 'dead-lettered', onDeadLetter: OnDeadLetter): Advance<T>;
  /** An item given up unfinished (its partition was revoked): removed; a head lets the next one start. */
  abandon(key: string, item: T): Advance<T>;
  /** Takes the key's items out (the head first, then the waiting ones in order): the key is moved elsewhere. */
  evict(key: string): T[];
  /** Keys with an item in hand. */
  readonly keys: number;
  /** Items of the key not yet started. */
  waiting(key: string): number;
  isParked(key: string): boolean;
}

interface Queue<T> {
  head: T;
  waiting: T[];
}

export function createKeyQueues<T>(): KeyQueues<T> {
  const queues = new Map<string, Queue<T>>();
  const parked = new Set<string>();

  const advance = (key: string, queue: Queue<T>): Advance<T> => {
    const next = queue.waiting.shift();
    if (next === undefined) {
      queues.delete(key);
      return { parked: [] };
    }
    queue.head = next;
    return { next, parked: [] };
  };

  return {
    arrive(key, item, options) {
      if (options?.unpark) parked.delete(key);
      else if (options?.held) parked.add(key);
      if (parked.has(key)) return 'park';
      const queue = queues.get(key);
      if (!queue) {
        queues.set(key, { head: item, waiting: [] });
        return 'start';
      }
      queue.waiting.push(item);
      return 'wait';
    },
    finish(key, head, result, onDeadLetter) {
      const queue = queues.get(key);
      if (queue?.head !== head) return { parked: [] };
      if (result === 'dead-lettered' && onDeadLetter === 'park') {
        queues.delete(key);
        parked.add(key);
        return { parked: queue.waiting };
      }
      return advance(key, queue);
    },
    abandon(key, item) {
      const queue = queues.get(key);
      if (!queue) return { parked: [] };
      if (queue.head === item) return advance(key, queue);
      const index = queue.waiting.indexOf(item);
      if (index >= 0) queue.waiting.splice(index, 1);
      return { parked: [] };
    },
    evict(key) {
      const queue = queues.get(key);
      queues.delete(key);
      return queue ? [queue.head, ...queue.waiting] : [];
    },
    get keys() {
      return queues.size;
    },
    waiting(key) {
      return queues.get(key)?.waiting.length ?? 0;
    },
    isParked(key) {
      return parked.has(key);
    },
  };
}
