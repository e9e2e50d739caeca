import type { Logger } from '../../logging.ts';
import {
  type BatchControl,
  type ConsumedRecord,
  type ConsumerPort,
  type FetchedBatch,
  type OffsetsPort,
  type OutgoingRecord,
  type TopicPartition,
  type TransactionalProducerPort,
} from '../port.ts';
import { createCommitLoop, type Quarantine, type TrackedPartition, type TransactionReport } from './commit-loop.ts';
import { createPartitionTracker, decodeCommitMetadata, maxWindowForMetadata } from './partition-tracker.ts';
import { readStableOffsets } from './stable-offsets.ts';

/**
 * What a service hands the core: what one consumed record becomes. The core owns everything
 * else: fetching, the window and the buffer, offsets, transactions, assignment epochs.
 */
export interface RecordHandler {
  /**
   * Asked before a record is taken in hand. `{ until }` stops fetching its partition (only
   * that one) until then and reads the record again at that time; nothing sleeps in a handler.
   */
  admit?(record: ConsumedRecord): { until: number } | undefined;
  /**
   * The records this one turns into, produced in the transaction that commits its offset.
   * `signal` aborts when the record's assignment ends: its result will not be committed here.
   */
  handle(record: ConsumedRecord, signal: AbortSignal): Promise<OutgoingRecord[]>;
  /** What an exception thrown by `handle` becomes (a dead letter, say): an outcome, never an exit. */
  failed(record: ConsumedRecord, error: unknown): OutgoingRecord[];
  /** Replaces an outcome record the broker cannot take. */
  quarantine: Quarantine;
  /**
   * Offsets of a partition whose outcomes were just committed: they will not be handled again.
   * (The deliverer starts an ordered key's next record only then.)
   */
  committed?(topic: string, partition: number, offsets: readonly number[]): void;
}

export interface TrackedConsumerOptions {
  consumer: ConsumerPort;
  producer: TransactionalProducerPort;
  offsets: OffsetsPort;
  groupId: string;
  topics: Array<string | RegExp>;
  handler: RecordHandler;
  logger: Logger;
  /** Records held between fetch and commit. */
  maxBuffered: number;
  /** Offsets a partition may run ahead of its commit (bounded by what the commit metadata holds). */
  maxWindow: number;
  /** A smaller window for a topic's partitions (the deliverer's parking topic), capped by `maxWindow`. */
  windowOf?: (topic: string) => number | undefined;
  commitIntervalMs: number;
  /** Outcome records larger than this are quarantined (the topics' `max.message.bytes` bounds it). */
  maxRecordBytes: number;
  /**
   * Commits stop when no heartbeat was accepted for this long. Below the session timeout, so an
   * instance the coordinator may have dropped stops committing before another one can own its
   * partitions (KafkaJS's transactional offset commit carries no generation, KIP-447).
   */
  membershipLeaseMs?: number;
  /**
   * A partition new to this member is read from its committed offset no sooner than this after
   * the assignment: a commit request the previous owner had already sent when the group
   * rebalanced reaches the group coordinator first. (A commit it already made is covered
   * however long it takes: the offsets are read stable, see `readStableOffsets`.)
   */
  handoverMs?: number;
  /** Every call to Kafka the commit loop makes is bounded by this (default 30 s). */
  kafkaCallTimeoutMs?: number;
  /**
   * How long one read of a new partition's offsets, or one settle of an unknown commit, waits
   * for them to be stable before it gives up and is tried again (default half the stall timeout).
   */
  stableWaitMs?: number;
  /** No fetch, heartbeat, completed record or commit for this long: the consumer is stuck; fatal. */
  stallTimeoutMs?: number;
  onFatal: (error: unknown) => void;
  /** Every transaction of the commit loop (metrics). */
  onTransaction?: (transaction: TransactionReport) => void;
  now?: () => number;
}

export interface TrackedConsumer {
  /** Records accepted and not yet committed. */
  readonly buffered: number;
  /**
   * How far a held partition was read in its current assignment epoch: `next` is one past the
   * highest offset fetched (handled, skipped as done, or a transaction marker); `stopped` is true
   * while no more of it is read: paused on its window, or the buffer is full.
   */
  reading(topic: string, partition: number): { next: number; stopped: boolean } | undefined;
  /** Stops fetching (staying in the group), lets `drain` finish work in hand, commits, leaves. */
  stop(drain?: () => Promise<void>): Promise<void>;
}

/** A partition held in one assignment epoch. Dropping it aborts its work and forgets its outcomes. */
interface Held extends TrackedPartition {
  readonly key: string;
  readonly controller: AbortController;
  pausedFor?: 'window' | 'due';
  resumeTimer?: NodeJS.Timeout;
}

const key = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * A consumer group member whose records are handled out of order, in parallel, and committed
 * in Kafka transactions with what they produce: the one consume protocol the router and the
 * deliverer's lanes share (window, room, accept, resolve, complete; assignment epochs).
 */
export async function startTrackedConsumer(options: TrackedConsumerOptions): Promise<TrackedConsumer> {
  const { consumer, handler, logger, groupId } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.membershipLeaseMs ?? 5_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? 120_000;
  const handoverMs = options.handoverMs ?? 2_000;
  const stableWaitMs = options.stableWaitMs ?? stallTimeoutMs / 2;
  const maxWindow = Math.min(options.maxWindow, maxWindowForMetadata());
  if (maxWindow < options.maxWindow) logger.warn({ maxWindow, asked: options.maxWindow }, 'window bounded by what commit metadata can hold');
  const windowOf = (topic: string) => Math.min(maxWindow, options.windowOf?.(topic) ?? maxWindow);

  const held = new Map<string, Held>();
  let memberId: string | undefined;
  let assigned = new Set<string>();
  let doubt: string | undefined = 'not joined yet';
  let lastMembershipOk = 0;
  let assignedAt = 0;
  let lastProgress = now();
  let stopping = false;
  let fatal = false;
  let capacityWaiter: (() => void) | undefined;
  const signalCapacity = () => {
    const waiter = capacityWaiter;
    capacityWaiter = undefined;
    waiter?.();
  };
  const buffered = () => {
    let open = 0;
    for (const { tracker } of held.values()) open += tracker.open;
    return open;
  };
  const fail = (error: unknown) => {
    if (fatal) return;
    fatal = true;
    options.onFatal(error);
  };

  const canCommit = () => doubt === undefined && memberId !== undefined && now() - lastMembershipOk < leaseMs;

  const resume = (partition: Held) => {
    clearTimeout(partition.resumeTimer);
    delete partition.resumeTimer;
    if (partition.pausedFor === undefined) return;
    delete partition.pausedFor;
    consumer.resume([{ topic: partition.topic, partition: partition.partition }]);
  };
  const pause = (partition: Held, reason: 'window' | 'due') => {
    partition.pausedFor = reason;
    consumer.pause([{ topic: partition.topic, partition: partition.partition }]);
  };

  const commitLoop = createCommitLoop({
    producer: options.producer,
    offsets: options.offsets,
    groupId,
    partitions: () => held.values(),
    canCommit,
    intervalMs: options.commitIntervalMs,
    maxRecordBytes: options.maxRecordBytes,
    ...(options.kafkaCallTimeoutMs === undefined ? {} : { stepTimeoutMs: options.kafkaCallTimeoutMs }),
    settleWaitMs: stableWaitMs,
    quarantine: handler.quarantine,
    logger,
    onCommitted: (count) => {
      if (count > 0) lastProgress = now();
      for (const partition of held.values()) {
        if (partition.pausedFor === 'window' && partition.tracker.next - partition.tracker.base < windowOf(partition.topic) / 2) resume(partition);
      }
      signalCapacity();
    },
    onOffsetsCommitted: (tracker, offsets) => {
      for (const partition of held.values()) {
        if (partition.tracker === tracker) handler.committed?.(partition.topic, partition.partition, offsets);
      }
    },
    ...(options.onTransaction ? { onTransaction: options.onTransaction } : {}),
    onFatal: fail,
  });

  /** Ends a partition's epoch: its work is aborted, its outcomes never committed, its pause cleared. */
  const drop = (partition: Held, why: string) => {
    held.delete(partition.key);
    partition.controller.abort(new Error(`assignment ended: ${why}`));
    commitLoop.forget(partition.tracker);
    resume(partition);
    logger.info({ topic: partition.topic, partition: partition.partition, why, dropped: partition.tracker.open }, 'partition dropped');
  };

  /**
   * The offsets a partition new to this member starts from, once stable: they include every
   * transaction that committed offsets for it, the previous owner's (whose coordinator may be
   * failing over) and this member's own. Waits, heartbeating, as long as that takes, up to
   * `stableWaitMs`; then (or when the batch is no longer current) undefined, and the batch is
   * fetched again and the read retried.
   */
  const stableOffsets = async (batch: FetchedBatch, control: BatchControl) => {
    const keepWaiting = async () => {
      try {
        await control.heartbeat();
      } catch {
        return false;
      }
      return control.active();
    };
    const callTimeoutMs = options.kafkaCallTimeoutMs ?? 30_000;
    try {
      const read = await readStableOffsets({
        offsets: options.offsets,
        groupId,
        topic: batch.topic,
        partitions: [batch.partition],
        callTimeoutMs,
        waitMs: stableWaitMs,
        keepWaiting,
        now,
      });
      if (read && read.unstableReads > 0) {
        logger.info({ topic: batch.topic, partition: batch.partition, waitedMs: read.waitedMs, unstableReads: read.unstableReads }, 'waited for stable offsets: a transaction committing them was pending');
      }
      return read?.offsets;
    } catch (error) {
      logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'committed offsets not stable yet; the partition waits');
      return undefined;
    }
  };

  const open = async (batch: FetchedBatch, control: BatchControl): Promise<Held | undefined> => {
    const settle = assignedAt + handoverMs - now();
    if (settle > 0) {
      await new Promise((resolve) => setTimeout(resolve, settle));
      if (!control.active()) return undefined;
    }
    const committed = await stableOffsets(batch, control);
    if (!committed) return undefined;
    const entry = committed.find((c) => c.partition === batch.partition);
    const position = entry && entry.offset >= 0 ? entry.offset : batch.firstOffset;
    const decoded = decodeCommitMetadata(position, entry?.metadata);
    if (decoded.unknownFormat !== undefined) {
      logger.warn({ topic: batch.topic, partition: batch.partition, metadata: decoded.unknownFormat }, 'commit metadata in an unknown format; finished offsets above the commit will be redone');
    }
    // The assignment may have changed while the offsets were read.
    const k = key(batch.topic, batch.partition);
    if (!assigned.has(k) || doubt !== undefined) return undefined;
    const existing = held.get(k);
    if (existing) return existing;
    const partition: Held = {
      key: k,
      topic: batch.topic,
      partition: batch.partition,
      tracker: createPartitionTracker(position, decoded.unknownFormat === undefined ? entry?.metadata : null),
      controller: new AbortController(),
    };
    held.set(k, partition);
    return partition;
  };

  const completeRecord = (partition: Held, offset: number, records: OutgoingRecord[]) => {
    if (held.get(partition.key) !== partition) return; // an earlier epoch's work: dropped
    lastProgress = now();
    commitLoop.complete(partition, offset, records);
  };

  const start = (partition: Held, record: ConsumedRecord) => {
    const { signal } = partition.controller;
    Promise.resolve()
      .then(() => handler.handle(record, signal))
      .then(
        (records) => completeRecord(partition, record.offset, records),
        (error: unknown) => {
          if (signal.aborted) return;
          logger.error({ err: error, consumed: { topic: record.topic, partition: record.partition, offset: record.offset } }, 'handler failed; its outcome records the failure');
          completeRecord(partition, record.offset, handler.failed(record, error));
        },
      )
      .catch(fail); // a bug in failed() itself
  };

  const roomFor = async (control: BatchControl): Promise<boolean> => {
    while (buffered() >= options.maxBuffered && !stopping) {
      await new Promise<void>((resolve) => {
        capacityWaiter = resolve;
        setTimeout(resolve, 1_000).unref();
      });
      await control.heartbeat();
      if (!control.active()) return false;
    }
    return !stopping && control.active();
  };

  const onBatch = async (batch: FetchedBatch, control: BatchControl) => {
    if (batch.records.length === 0 || stopping || doubt !== undefined) return;
    const partition = held.get(key(batch.topic, batch.partition)) ?? (await open(batch, control));
    if (!partition) return;
    const { tracker } = partition;
    for (const record of batch.records) {
      const current = () => !stopping && control.active() && held.get(partition.key) === partition;
      if (!current()) return;
      if (record.offset - tracker.base >= windowOf(partition.topic)) {
        pause(partition, 'window');
        return;
      }
      const admission = handler.admit?.(record);
      if (admission) {
        // Not now: stop fetching this partition until then, and read it again then.
        pause(partition, 'due');
        clearTimeout(partition.resumeTimer);
        partition.resumeTimer = setTimeout(() => {
          if (held.get(partition.key) === partition && !stopping) resume(partition);
        }, Math.max(0, admission.until - now()));
        return;
      }
      if (!(await roomFor(control)) || !current()) return;
      const verdict = tracker.accept(record.offset);
      control.resolve(record.offset);
      if (verdict === 'skip') continue; // done before a restart, or already in hand
      start(partition, record);
    }
    await control.heartbeat();
  };

  await consumer.start(options.topics, {
    onBatch,
    onAssigned(assignment) {
      const keys = new Set(assignment.partitions.map((p) => key(p.topic, p.partition)));
      // A partition kept by the same member across a rebalance was nobody else's meanwhile;
      // any other (revoked, or this member rejoined under a new id) starts a new epoch.
      const sameMember = assignment.memberId === memberId;
      for (const partition of [...held.values()]) {
        if (!keys.has(partition.key)) drop(partition, 'revoked');
        else if (!sameMember) drop(partition, 'rejoined as a new member');
      }
      memberId = assignment.memberId;
      assigned = keys;
      assignedAt = now();
      doubt = undefined;
      lastMembershipOk = now();
      lastProgress = now();
      signalCapacity();
      logger.info({ groupId, memberId, partitions: keys.size }, 'partitions assigned');
    },
    onMembershipInDoubt(reason) {
      if (doubt === undefined) logger.info({ groupId, reason }, 'membership in doubt; commits stop until the group settles');
      doubt = reason;
      signalCapacity();
    },
    onHeartbeat() {
      lastMembershipOk = now();
      lastProgress = now(); // alive: a member waiting for room heartbeats and is not stuck
    },
    onFetch() {
      lastProgress = now();
    },
    onPassedMarkers(topic, partition, lastOffset) {
      held.get(key(topic, partition))?.tracker.passOver(lastOffset);
    },
    onCrash(error, restarting) {
      doubt = 'consumer crashed';
      if (restarting) logger.warn({ err: error }, 'consumer crashed; starting a new one');
      else fail(error);
    },
  });

  // Liveness: a member that neither fetches, nor finishes records, nor commits for this long
  // is stuck (a join that never completes, say). Exit, and let the supervisor start afresh.
  const watchdog = setInterval(() => {
    if (stopping) return;
    logger.debug(
      {
        groupId,
        doubt,
        leaseAgeMs: now() - lastMembershipOk,
        idleMs: now() - lastProgress,
        uncommittedMs: commitLoop.stalledFor(),
        partitions: [...held.values()].map((p) => `${p.key} base=${p.tracker.base} next=${p.tracker.next} open=${p.tracker.open}${p.pausedFor ? ` paused(${p.pausedFor})` : ''}`),
        assigned: [...assigned].filter((k) => !held.has(k)),
      },
      'consumer state',
    );
    const idleMs = now() - lastProgress;
    if (idleMs > stallTimeoutMs) fail(new Error(`consumer group ${groupId} made no progress (no fetch, no finished record, no commit) for ${Math.round(idleMs / 1_000)} s`));
    // Fetching alone is no progress when nothing can be committed: outcomes would pile up.
    const uncommittedMs = commitLoop.stalledFor();
    if (uncommittedMs > stallTimeoutMs) fail(new Error(`consumer group ${groupId} could not commit for ${Math.round(uncommittedMs / 1_000)} s`));
  }, Math.min(5_000, stallTimeoutMs / 4));
  watchdog.unref();

  return {
    get buffered() {
      return buffered();
    },
    reading(topic, partition) {
      const partitionHeld = held.get(key(topic, partition));
      if (!partitionHeld) return undefined;
      return { next: partitionHeld.tracker.next, stopped: partitionHeld.pausedFor === 'window' || buffered() >= options.maxBuffered };
    },
    async stop(drain) {
      stopping = true;
      clearInterval(watchdog);
      for (const partition of held.values()) clearTimeout(partition.resumeTimer);
      signalCapacity();
      // Stay in the group while in-flight work finishes and commits: leaving first would let
      // another member take the partitions before this one's last commit lands.
      consumer.pauseAll();
      await drain?.();
      await commitLoop.flush();
      await commitLoop.stop();
      for (const partition of [...held.values()]) drop(partition, 'stopping');
      await consumer.stop();
      await options.producer.disconnect();
    },
  };
}

export type { TopicPartition };
