import type { Logger } from '../../logging.ts';
import { byTopic, type OutgoingRecord } from '../transactions.ts';
import type { Producer } from 'kafkajs';
import type { PartitionTracker } from './partition-tracker.ts';

/** A topic-partition being consumed, with the tracker of its offsets. */
export interface TrackedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly tracker: PartitionTracker;
}

export interface CommitLoop {
  /** The outcome of one consumed record: the records it produces, committed with its offset. */
  complete(partition: TrackedPartition, offset: number, records: OutgoingRecord[]): void;
  /** Runs transactions until everything completed so far is committed. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Consecutive failed transactions (≈ 40 s of backoff) before the process gives up. */
const MAX_CONSECUTIVE_FAILURES = 12;

/** Bytes of record values per produce request inside a transaction (broker default limit 1 MiB). */
const MAX_BYTES_PER_REQUEST = 512 * 1024;

/** Bound one transaction so a backlog of outcomes never builds an oversized request. */
const MAX_RECORDS_PER_TRANSACTION = 2_000;

/**
 * Group commit: outcomes gathered for a few milliseconds go out in one Kafka transaction with
 * the offsets they consume (the lowest unfinished per partition, the finished ones above it
 * in the metadata). A crash before the commit redoes those records; after it, never.
 */
export function createCommitLoop(options: {
  producer: Producer;
  groupId: string;
  partitions: () => Iterable<TrackedPartition>;
  /** While false (a rebalance is under way) nothing is committed. */
  canCommit: () => boolean;
  intervalMs: number;
  logger: Logger;
  onCommitted: (count: number) => void;
  onFatal: (error: unknown) => void;
}): CommitLoop {
  const { producer, groupId, logger } = options;
  const outcomes = new Map<PartitionTracker, Map<number, OutgoingRecord[]>>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // One producer holds one transaction at a time: the loop and flush() take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const commitOnce = (): Promise<boolean> => {
    const result = turn.then(transact, transact);
    turn = result.catch(() => undefined);
    return result;
  };

  /** One transaction with whatever is ready; false when there was nothing to do. */
  const transact = async (): Promise<boolean> => {
    if (!options.canCommit()) return false;
    const records: OutgoingRecord[] = [];
    const offsets: Array<{ topic: string; partition: number; offset: string; metadata: string }> = [];
    const involved: PartitionTracker[] = [];
    for (const { topic, partition, tracker } of options.partitions()) {
      if (records.length >= MAX_RECORDS_PER_TRANSACTION) break;
      const taken = tracker.takeReady();
      const byOffset = outcomes.get(tracker);
      for (const offset of taken) records.push(...(byOffset?.get(offset) ?? []));
      const position = tracker.commitPosition();
      if (taken.length === 0 && position === undefined) continue;
      involved.push(tracker);
      if (position) offsets.push({ topic, partition, offset: String(position.offset), metadata: position.metadata });
    }
    if (involved.length === 0) return false;

    const transaction = await producer.transaction();
    try {
      // Several requests when large: one subscription's records share a partition, and one
      // request over the broker's message.max.bytes would fail every time it is retried.
      for (const chunk of chunksBySize(records, MAX_BYTES_PER_REQUEST)) {
        await transaction.sendBatch({ topicMessages: byTopic(chunk) });
      }
      if (offsets.length > 0) {
        const topics = new Map<string, Array<{ partition: number; offset: string; metadata: string }>>();
        for (const { topic, ...rest } of offsets) topics.set(topic, [...(topics.get(topic) ?? []), rest]);
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      for (const tracker of involved) tracker.aborted();
      throw error;
    }
    let committed = 0;
    for (const tracker of involved) {
      const byOffset = outcomes.get(tracker);
      tracker.committed();
      // Outcomes are kept until their offset's transaction commits, then let go.
      if (byOffset) {
        for (const offset of byOffset.keys()) {
          if (!tracker.isOpen(offset)) {
            byOffset.delete(offset);
            committed++;
          }
        }
        if (byOffset.size === 0) outcomes.delete(tracker);
      }
    }
    options.onCommitted(committed);
    return true;
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const started = Date.now();
        const didWork = await commitOnce();
        failures = 0;
        // At most one transaction per interval, busy or not: back-to-back small transactions
        // cost the broker far more per record than one that gathered for the interval.
        await sleep(didWork ? Math.max(0, options.intervalMs - (Date.now() - started)) : options.intervalMs);
      } catch (error) {
        if (isFenced(error)) {
          options.onFatal(error);
          return;
        }
        failures++;
        if (failures > MAX_CONSECUTIVE_FAILURES) {
          // The producer may be wedged (KafkaJS does not always recover a transactional
          // producer after a broker restart). Exit and let the supervisor start afresh: the
          // uncommitted work is redone, nothing is lost.
          options.onFatal(new Error(`${failures} transactions in a row failed; last: ${(error as Error).message}`));
          return;
        }
        const backoff = Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
        logger.warn({ err: error, backoffMs: backoff }, 'transaction failed; retrying its outcomes');
        await sleep(backoff);
      }
    }
  })();

  return {
    complete(partition, offset, records) {
      let byOffset = outcomes.get(partition.tracker);
      if (!byOffset) outcomes.set(partition.tracker, (byOffset = new Map()));
      byOffset.set(offset, records);
      partition.tracker.ready(offset);
    },
    async flush() {
      for (let round = 0; round < 20; round++) {
        try {
          if (!(await commitOnce())) return;
        } catch (error) {
          logger.warn({ err: error }, 'final transaction failed');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

function isFenced(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED' || type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED';
}

/** Consecutive slices of `records` whose values add up to at most `maxBytes` (one record at least). */
export function chunksBySize(records: readonly OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const value = record.message.value;
    const size = (value === null || value === undefined ? 0 : Buffer.byteLength(value)) + 256; // + key, headers
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
