import { MalformedRecord, orderKeyOf, parkedKey, parseDelivery, type Delivery, type Hold, type Logger, type OrderedDelivery, type OutgoingRecord, type TopicNames } from '@hookrail/shared';
import { attemptRecord, deadLetterWithoutAttempt, type AttemptLogEntry, type AttemptOutcome, type Origin } from '../attempt.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { createKeyQueues } from './key-queues.ts';
import { isStuck, shouldPark } from './parking-rules.ts';

/**
 * Ordered subscriptions in a lane: per (subscription, key) one delivery in flight, in the order
 * the lane reads them (`key-queues.ts`). A head's retries happen in place, at the times the
 * retry ladder gives, instead of through the delay topics (which would let later events of
 * the key overtake it); its attempt log records are committed with its final outcome. Other
 * keys keep flowing under the subscription's `maxInFlight` and rate (the dispatcher).
 *
 * A key's next delivery starts only once the previous one's outcome is committed, so a crash
 * redoes at most one delivery per key (the one in flight), never a run of them.
 *
 * With `parking`, a head retrying in place that `parkAfter` offsets of its partition have
 * passed since its first failure (or that the lane cannot read past at all: `isStuck`) is moved
 * out, with its key's waiting deliveries, to the parking topic (as their outcomes), and so is
 * every later delivery of the key while it is parked; the parking topic's deliveries come back
 * here and are delivered by the same rule (docs/architecture.md).
 */
export interface Parking {
  /** Offsets of a partition read past a retrying head, after its first failure, before its key is parked. */
  parkAfter: number;
  /**
   * How far the lane read a partition in its current assignment epoch (`next`: one past the
   * newest offset read), and whether it reads no more of it now (its window or the buffer is full).
   */
  reading(topic: string, partition: number): { next: number; stopped: boolean } | undefined;
  /** The parking topic itself: its deliveries are never parked again. */
  isParkingTopic(topic: string): boolean;
  /** True while the key (subscription + "\n" + order key) has deliveries in the parking topic. */
  isParked(key: string): boolean;
  /** The outcome records that append the delivery (with its retry state) to the parking topic; a replay stays one. */
  append(key: string, delivery: Delivery, replay: boolean): OutgoingRecord[];
  /** Whether the parked-state topic (or this lane's own write, until read back) holds the key for `onDeadLetter: park`. */
  holdState(key: string): Hold['state'] | undefined;
  /** The state record of a hold or release, taken as known at once; it goes out with the outcome that causes it. */
  writeHold(key: string, hold: Hold): OutgoingRecord;
}

export interface OrderedDeliveries {
  handle(input: {
    delivery: Delivery;
    ordered: OrderedDelivery;
    origin: Origin;
    /** An operator's replay of a dead letter: it unparks its key. */
    replay: boolean;
    signal: AbortSignal;
  }): Promise<OutgoingRecord[]>;
  /** The core committed these offsets' outcomes: their keys' next deliveries may start (and the partition's retrying heads are checked for parking). */
  committed(topic: string, partition: number, offsets: readonly number[]): void;
  /** Keys with a delivery in hand (for logs and tests). */
  readonly keys: number;
}

interface Item {
  readonly key: string;
  readonly delivery: Delivery;
  readonly origin: Origin;
  readonly onDeadLetter: OrderedDelivery['onDeadLetter'];
  /** An operator's replay of a dead letter (it unparks its key, also after a stay in the parking topic). */
  readonly replay: boolean;
  readonly signal: AbortSignal;
  /** Aborted to move the key to the parking topic (at the head's next wait between attempts). */
  readonly park: AbortController;
  /** True while an attempt is under way: a revoked head lets the next start only after it. */
  running: boolean;
  /** A head retrying in place: the newest offset of its partition read at its first and at its latest failure. */
  failed?: { first: number; latest: number };
  resolve(records: OutgoingRecord[]): void;
  reject(error: unknown): void;
}

export function createOrderedDeliveries(options: {
  dispatcher: Dispatcher;
  /** One attempt of one delivery: attemptDelivery with the subscription as it is now. */
  attempt: (delivery: Delivery, origin: Origin) => Promise<AttemptOutcome>;
  topics: TopicNames;
  onAttempt: (entry: AttemptLogEntry) => void;
  logger: Logger;
  parking?: Parking;
  now?: () => number;
}): OrderedDeliveries {
  const { parking } = options;
  const queues = createKeyQueues<Item>();
  /** Finished heads whose outcome is not committed yet, by consumed `topic:partition:offset`. */
  const uncommitted = new Map<string, () => void>();
  const where = (topic: string, partition: number, offset: string | number) => `${topic}:${partition}:${offset}`;
  const at = (origin: Origin) => where(origin.topic, origin.partition, origin.offset);
  /** Heads retrying in place, per tier partition (`topic:partition`). */
  const retrying = new Map<string, Set<Item>>();
  const partitionOf = (item: Item) => `${item.origin.topic}:${item.origin.partition}`;
  const canPark = (item: Item) => parking !== undefined && !parking.isParkingTopic(item.origin.topic);
  const parkIfOverdue = (item: Item, newestOffset: number, stuck = false) => {
    if (!item.failed) return;
    const headOffset = Number(item.origin.offset);
    if (shouldPark({ headOffset, newestAtFirstFailure: item.failed.first, newestOffset, parkAfter: parking!.parkAfter, stuck })) item.park.abort();
  };
  /** The head failed (again): its count of offsets read past it starts at its first failure; parked if overdue or stuck. */
  const failedAgain = (item: Item) => {
    const read = parking!.reading(item.origin.topic, item.origin.partition);
    if (!read) return; // its partition's epoch is ending
    const newestOffset = read.next - 1;
    const stuck = isStuck({ newestAtPreviousFailure: item.failed?.latest, newestOffset, readingStopped: read.stopped });
    item.failed = { first: item.failed?.first ?? newestOffset, latest: newestOffset };
    parkIfOverdue(item, newestOffset, stuck);
  };
  /** More of a tier partition was read, or committed: its retrying heads read past by parkAfter are parked. */
  const parkOverdueOf = (topic: string, partition: number) => {
    const heads = retrying.get(`${topic}:${partition}`);
    const read = heads && parking!.reading(topic, partition);
    if (read) for (const head of heads!) parkIfOverdue(head, read.next - 1);
  };

  /** Moves the head (in its retry state `delivery`, with its attempts so far) and its key's queue to the parking topic, in order. */
  const parkKey = (head: Item, delivery: Delivery, held: OutgoingRecord[]) => {
    const items = queues.evict(head.key);
    head.resolve([...held, ...parking!.append(head.key, delivery, head.replay)]);
    for (const item of items) if (item !== head) item.resolve(parking!.append(item.key, item.delivery, item.replay));
    options.logger.warn(
      { subscriptionId: delivery.subscriptionId, orderKey: delivery.orderKey, attempt: delivery.attempt, parked: items.length },
      'ordered key parked: its retrying head and the events behind it wait in the parking topic, and so will its next events until it drains',
    );
  };

  const parkedOutcome = (item: Item, head?: Item): OutgoingRecord[] => {
    const { orderKey, subscriptionId } = item.delivery;
    const detail =
      `key "${orderKey ?? ''}" of ordered subscription ${subscriptionId} is parked: ${head ? head.delivery.deliveryId : 'a delivery'} before it was dead-lettered; ` +
      `replay the parked deliveries in order with "hookrail dlq replay --subscription ${subscriptionId}"`;
    const outcome = deadLetterWithoutAttempt(item.delivery, item.origin, 'parked', detail, options);
    options.onAttempt(outcome.entry);
    return outcome.records;
  };

  const advance = (head: Item, next: { next?: Item; parked: Item[] }) => {
    for (const item of next.parked) item.resolve(parkedOutcome(item, head));
    if (next.next) void run(next.next);
  };

  /** One attempt through the dispatcher (concurrency and rate per subscription), not before `dueAt`. */
  const attemptOnce = (item: Item, delivery: Delivery) =>
    new Promise<AttemptOutcome | undefined>((resolve, reject) => {
      // Revoked (or parked) before its turn: the dispatcher drops the job, and the head is given up (or moved) here.
      const signal = AbortSignal.any([item.signal, item.park.signal]);
      if (signal.aborted) return resolve(undefined);
      const onAbort = () => item.running || resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      options.dispatcher.submit({
        subscriptionId: delivery.subscriptionId,
        dueAt: delivery.notBefore ?? 0,
        signal,
        run: async () => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) return resolve(undefined);
          item.running = true;
          try {
            resolve(await options.attempt(delivery, item.origin));
          } catch (error) {
            reject(error);
          } finally {
            item.running = false;
          }
        },
      });
    });

  /** Attempts the head until it is delivered or dead-lettered; then the key moves on. */
  const run = async (item: Item) => {
    const held: OutgoingRecord[] = [];
    let delivery = item.delivery;
    try {
      for (;;) {
        const outcome = await attemptOnce(item, delivery);
        if (outcome === undefined && !item.signal.aborted && item.park.signal.aborted) return parkKey(item, delivery, held);
        if (outcome === undefined || item.signal.aborted) return advance(item, queues.abandon(item.key, item));
        const { entry } = outcome;
        if (entry.outcome !== 'retry') {
          options.onAttempt(entry);
          const result = entry.outcome === 'delivered' ? 'delivered' : 'dead-lettered';
          // A dead head that parks its key holds it durably too, in the transaction of its dead letter.
          const holds = result === 'dead-lettered' && item.onDeadLetter === 'park' && parking ? [parking.writeHold(item.key, { state: 'held', head: item.delivery.deliveryId, at: at(item.origin) })] : [];
          return finished(item, result, () => item.resolve([...held, ...outcome.records, ...holds]));
        }
        // Retried in place: the retry record is not sent; its headers carry the next attempt's state.
        const retry = outcome.records.find((record) => record.topic === entry.retryTopic);
        const next = retry ? parseDelivery(retry.message.headers, delivery.payload) : new MalformedRecord('delivery', 'no retry record');
        if (next instanceof MalformedRecord) throw new Error(`retrying ${delivery.deliveryId} in place: ${next.problem}`);
        const { retryTopic: _notSent, ...inPlace } = entry;
        options.onAttempt(inPlace);
        held.push(attemptRecord(inPlace, options.topics));
        delivery = next;
        if (canPark(item)) {
          const partition = partitionOf(item);
          if (!retrying.has(partition)) retrying.set(partition, new Set());
          retrying.get(partition)!.add(item);
          failedAgain(item);
          if (item.park.signal.aborted) return parkKey(item, delivery, held);
        }
      }
    } catch (error) {
      // The core turns the rejection into an internal dead letter; the key moves on after it.
      finished(item, 'dead-lettered', () => item.reject(error), 'continue');
    } finally {
      const heads = retrying.get(partitionOf(item));
      heads?.delete(item);
      if (heads?.size === 0) retrying.delete(partitionOf(item));
    }
  };

  /** Hands the head's outcome to the core; the key moves on once it is committed (or revoked). */
  const finished = (item: Item, result: 'delivered' | 'dead-lettered', settle: () => void, onDeadLetter = item.onDeadLetter) => {
    const at = where(item.origin.topic, item.origin.partition, item.origin.offset);
    const moveOn = () => {
      uncommitted.delete(at);
      item.signal.removeEventListener('abort', moveOn);
      advance(item, item.signal.aborted ? queues.abandon(item.key, item) : queues.finish(item.key, item, result, onDeadLetter));
    };
    settle();
    if (item.signal.aborted) return moveOn();
    uncommitted.set(at, moveOn);
    item.signal.addEventListener('abort', moveOn, { once: true });
  };

  /** A key whose queue reaches 100, 1,000, 10,000 events: on its way to pausing its partition. */
  const warnIfPiling = (item: Item) => {
    const waiting = queues.waiting(item.key);
    if (waiting < 100 || !/^10+$/.test(String(waiting))) return;
    options.logger.warn(
      { subscriptionId: item.delivery.subscriptionId, orderKey: item.delivery.orderKey, waiting },
      'ordered key: events waiting behind its head; at deliverer.maxWindow or maxBuffered its partition pauses',
    );
  };

  return {
    handle({ delivery, ordered, origin, replay, signal }) {
      return new Promise<OutgoingRecord[]>((resolve, reject) => {
        const orderKey = delivery.orderKey ?? orderKeyOf(ordered, delivery.payload);
        const key = parkedKey({ subscriptionId: delivery.subscriptionId, orderKey });
        /** Set when this delivery is the replay that unparks its key: it goes out first in its outcome (a hold after it wins). */
        let release: OutgoingRecord | undefined;
        const onAbort = () => {
          reject(signal.reason);
          // A head whose request is under way is given up when the request ends (in `run`).
          if (!item.running) advance(item, queues.abandon(key, item));
        };
        const settle = <A>(done: (value: A) => void) => (value: A) => {
          signal.removeEventListener('abort', onAbort);
          done(value);
        };
        const item: Item = {
          key,
          delivery: { ...delivery, orderKey },
          origin,
          onDeadLetter: ordered.onDeadLetter,
          replay,
          signal,
          park: new AbortController(),
          running: false,
          resolve: settle((records: OutgoingRecord[]) => resolve(release ? [release, ...records] : records)),
          reject: settle(reject),
        };
        if (signal.aborted) return reject(signal.reason);
        if (canPark(item)) {
          // A tier record: the retrying heads of its partition read past by parkAfter are parked;
          // a record of a parked key joins the parking topic behind the ones already there.
          parkOverdueOf(origin.topic, origin.partition);
          if (parking!.isParked(key)) return resolve(parking!.append(key, item.delivery, replay));
        }
        signal.addEventListener('abort', onAbort, { once: true });
        // Durably held (a restart or a rebalance forgets the memory), or released where this lane did not see it.
        const hold = parking?.holdState(key);
        if (replay && parking && (hold === 'held' || queues.isParked(key))) release = parking.writeHold(key, { state: 'released', at: at(origin) });
        const arrival = queues.arrive(key, item, { unpark: replay || hold === 'released', held: hold === 'held' });
        if (arrival === 'start') void run(item);
        else if (arrival === 'park') item.resolve(parkedOutcome(item));
        else warnIfPiling(item);
      });
    },
    committed(topic, partition, offsets) {
      // Offsets of other subscriptions read past a retrying head count too; commits come often.
      if (parking) parkOverdueOf(topic, partition);
      if (uncommitted.size === 0) return;
      for (const offset of offsets) uncommitted.get(where(topic, partition, offset))?.();
    },
    get keys() {
      return queues.keys;
    },
  };
}
