import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../logging.ts';
import { connectTransactionalProducer, pipelineConsumer, type OutgoingRecord } from '../transactions.ts';
import { createCommitLoop, type TrackedPartition } from './commit-loop.ts';
import { createPartitionTracker } from './partition-tracker.ts';

/**
 * A consumer group member whose records are handled out of order and committed in Kafka
 * transactions with what they produce: the parallel-consumer machinery the router and the
 * deliverer's lanes share. The caller decides what a record becomes; this keeps the offsets.
 */
export interface TrackedConsumer {
  readonly consumer: Consumer;
  /** The partition of a batch, its committed offset and finished offsets loaded on first sight. */
  partition(batch: EachBatchPayload['batch']): Promise<TrackedPartition>;
  /** The records one consumed record turns into; committed with its offset. */
  complete(partition: TrackedPartition, offset: number, records: OutgoingRecord[]): void;
  /**
   * Waits, heart-beating, while the buffer is full. False when the handler should stop
   * (shutting down, or the partition moved away).
   */
  roomFor(payload: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>): Promise<boolean>;
  /** True when the offset is too far ahead of the commit: the partition has been paused. */
  windowFull(partition: TrackedPartition, offset: number): boolean;
  readonly stopping: boolean;
  /** Stop fetching; records in hand stay in hand. */
  stopFetching(): Promise<void>;
  /** Commit what is finished, then disconnect. */
  close(): Promise<void>;
}

export interface TrackedConsumerOptions {
  kafka: Kafka;
  groupId: string;
  transactionalId: string;
  logger: Logger;
  /** Records held between fetch and commit. */
  maxBuffered: number;
  /** Offsets a partition may run ahead of its commit (bounded by the commit metadata). */
  maxWindow: number;
  commitIntervalMs: number;
  maxWaitTimeInMs?: number;
  onFatal: (error: unknown) => void;
}

export async function createTrackedConsumer(options: TrackedConsumerOptions): Promise<TrackedConsumer> {
  const { kafka, groupId, logger } = options;
  const partitions = new Map<string, TrackedPartition>();
  const windowPaused = new Set<string>();
  let rebalancing = false;
  let stopping = false;
  let capacityWaiter: (() => void) | undefined;
  const signalCapacity = () => {
    const waiter = capacityWaiter;
    capacityWaiter = undefined;
    waiter?.();
  };
  const buffered = () => {
    let open = 0;
    for (const { tracker } of partitions.values()) open += tracker.open;
    return open;
  };

  const admin: Admin = kafka.admin();
  await admin.connect();
  const producer: Producer = await connectTransactionalProducer(kafka, options.transactionalId);
  const consumer = pipelineConsumer(kafka, groupId, options.maxWaitTimeInMs);

  const commitLoop = createCommitLoop({
    producer,
    groupId,
    partitions: () => partitions.values(),
    canCommit: () => !rebalancing,
    intervalMs: options.commitIntervalMs,
    logger,
    onCommitted: () => {
      for (const key of windowPaused) {
        const tracked = partitions.get(key);
        if (!tracked || tracked.tracker.next - tracked.tracker.base < options.maxWindow / 2) {
          windowPaused.delete(key);
          if (tracked) consumer.resume([{ topic: tracked.topic, partitions: [tracked.partition] }]);
        }
      }
      signalCapacity();
    },
    onFatal: options.onFatal,
  });

  consumer.on(consumer.events.REBALANCING, () => {
    rebalancing = true;
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set<string>();
    for (const [topic, numbers] of Object.entries(payload.memberAssignment)) {
      for (const partition of numbers) assigned.add(`${topic}:${partition}`);
    }
    // Work on partitions that moved away is handed back: its outcomes are never committed
    // here, and the new owner starts from the last committed offset and its metadata.
    for (const key of partitions.keys()) if (!assigned.has(key)) partitions.delete(key);
    rebalancing = false;
    signalCapacity();
    logger.info({ groupId, partitions: assigned.size }, 'partitions assigned');
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // Batches of transaction markers only never reach eachBatch; move past them.
    if (payload.batchSize === 0) partitions.get(`${payload.topic}:${payload.partition}`)?.tracker.passOver(Number(payload.lastOffset));
  });
  // KafkaJS restarts a crashed consumer itself; one that keeps crashing (a wedged producer
  // after a broker restart, say) exits, and the supervisor starts it afresh.
  let crashes = 0;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    crashes++;
    if (!payload.restart || crashes > 5) options.onFatal(payload.error);
  });
  consumer.on(consumer.events.FETCH, () => {
    crashes = 0;
  });

  return {
    consumer,
    get stopping() {
      return stopping;
    },
    async partition(batch) {
      const key = `${batch.topic}:${batch.partition}`;
      const known = partitions.get(key);
      if (known) return known;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [batch.topic] });
      const entry = committed?.partitions.find((p) => p.partition === batch.partition);
      const offset = entry && Number(entry.offset) >= 0 ? Number(entry.offset) : Number(batch.firstOffset() ?? 0);
      const tracked = { topic: batch.topic, partition: batch.partition, tracker: createPartitionTracker(offset, entry?.metadata) };
      partitions.set(key, tracked);
      return tracked;
    },
    complete: (partition, offset, records) => commitLoop.complete(partition, offset, records),
    async roomFor({ heartbeat, isRunning, isStale }) {
      while (buffered() >= options.maxBuffered && !stopping) {
        await new Promise<void>((resolve) => {
          capacityWaiter = resolve;
          setTimeout(resolve, 1_000);
        });
        await heartbeat();
        if (!isRunning() || isStale()) return false;
      }
      return !stopping && isRunning() && !isStale();
    },
    windowFull(partition, offset) {
      if (offset - partition.tracker.base < options.maxWindow) return false;
      windowPaused.add(`${partition.topic}:${partition.partition}`);
      consumer.pause([{ topic: partition.topic, partitions: [partition.partition] }]);
      return true;
    },
    async stopFetching() {
      stopping = true;
      signalCapacity();
      await consumer.stop();
    },
    async close() {
      await commitLoop.flush();
      await commitLoop.stop();
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
