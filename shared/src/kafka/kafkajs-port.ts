/**
 * The Kafka port's KafkaJS adapter. Everything KafkaJS-specific the core needs lives here:
 * instrumentation events mapped to membership signals, errors mapped to the port's kinds.
 */
import type { FetchBounds } from './fetch-bounds.ts';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import {
  KafkaPortError,
  type ConsumedRecord,
  type ConsumerListener,
  type ConsumerPort,
  type KafkaErrorKind,
  type OffsetsPort,
  type TopicPartition,
  type TransactionalProducerPort,
  type TransactionPort,
} from './port.ts';
import { retryTransient } from './retry-transient.ts';
import { byTopic, connectTransactionalProducer, pipelineConsumer } from './transactions.ts';

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
const REJECTED = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);
const MEMBERSHIP = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);
const UNSTABLE = 'UNSTABLE_OFFSET_COMMIT';

/** The port's kind of a KafkaJS error, looking through KafkaJS's retry wrappers. */
export function kafkaJsErrorKind(error: unknown): KafkaErrorKind {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const { type, originalError, cause } = current as { type?: string; originalError?: unknown; cause?: unknown };
    if (type && FENCED.has(type)) return 'fenced';
    if (type && REJECTED.has(type)) return 'record-rejected';
    if (type && MEMBERSHIP.has(type)) return 'membership';
    if (type === UNSTABLE) return 'unstable';
    current = originalError ?? cause;
  }
  return 'other';
}

const wrap = async <T>(step: () => Promise<T>): Promise<T> => {
  try {
    return await step();
  } catch (error) {
    throw new KafkaPortError(kafkaJsErrorKind(error), error);
  }
};

/** Restarts of a crashed consumer in a row (no fetch in between) before the crash is final. */
const MAX_RESTARTS = 8;

export function kafkaJsConsumer(kafka: Kafka, groupId: string, options: { maxWaitTimeInMs?: number; fetch?: FetchBounds } = {}): ConsumerPort {
  let consumer: Consumer | undefined;
  let assigned: TopicPartition[] = [];
  let pausedAll = false;
  let stopped = false;
  let restarts = 0;
  const asPartitions = (list: TopicPartition[]) => list.map(({ topic, partition }) => ({ topic, partitions: [partition] }));

  /** One KafkaJS consumer at a time: a crashed one is disconnected before the next starts. */
  const launch = async (topics: Array<string | RegExp>, listener: ConsumerListener): Promise<void> => {
    const current = pipelineConsumer(kafka, groupId, options.maxWaitTimeInMs, options.fetch);
    consumer = current;
    const { events } = current;
    current.on(events.REBALANCING, () => listener.onMembershipInDoubt('rebalancing'));
    current.on(events.GROUP_JOIN, ({ payload }) => {
      assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
      if (pausedAll) current.pause(asPartitions(assigned));
      listener.onAssigned({ memberId: payload.memberId, partitions: assigned });
    });
    current.on(events.HEARTBEAT, () => listener.onHeartbeat());
    current.on(events.FETCH, () => {
      restarts = 0;
      listener.onFetch();
    });
    current.on(events.END_BATCH_PROCESS, ({ payload }) => {
      // Batches of transaction markers only never reach eachBatch; report how far they go.
      if (payload.batchSize === 0) listener.onPassedMarkers(payload.topic, payload.partition, Number(payload.lastOffset));
    });
    current.on(events.CRASH, ({ payload }) => {
      if (consumer !== current || stopped) return;
      listener.onMembershipInDoubt(`consumer crashed: ${payload.error.message}`);
      restarts++;
      if (restarts > MAX_RESTARTS) return listener.onCrash(payload.error, false);
      listener.onCrash(payload.error, true);
      const backoff = Math.min(30_000, 500 * 2 ** (restarts - 1));
      void current
        .disconnect()
        .catch(() => undefined)
        .then(() => new Promise((resolve) => setTimeout(resolve, backoff)))
        .then(() => (stopped || consumer !== current ? undefined : launch(topics, listener)))
        .catch((error: unknown) => listener.onCrash(error, false));
    });

    await current.connect();
    await current.subscribe({ topics, fromBeginning: true });
    await current.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        const records: ConsumedRecord[] = batch.messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(message.offset),
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        }));
        await listener.onBatch(
          { topic: batch.topic, partition: batch.partition, records, firstOffset: Number(batch.firstOffset() ?? 0) },
          {
            resolve: (offset) => resolveOffset(String(offset)),
            async heartbeat() {
              try {
                await heartbeat();
              } catch (error) {
                if (kafkaJsErrorKind(error) === 'membership') listener.onMembershipInDoubt(`heartbeat: ${(error as Error).message}`);
                throw error;
              }
            },
            active: () => consumer === current && isRunning() && !isStale(),
          },
        );
      },
    });
  };

  return {
    start: (topics, listener) => launch(topics, listener),
    pause(partitions) {
      consumer?.pause(asPartitions(partitions));
    },
    resume(partitions) {
      consumer?.resume(asPartitions(partitions));
    },
    pauseAll() {
      pausedAll = true;
      if (assigned.length > 0) consumer?.pause(asPartitions(assigned));
    },
    async stop() {
      stopped = true;
      await consumer?.disconnect();
    },
  };
}

export async function kafkaJsTransactionalProducer(kafka: Kafka, transactionalId: string): Promise<TransactionalProducerPort> {
  // At start-up a node that just went down may still be listed as the transaction coordinator:
  // KafkaJS gives up on its refused connection at once. A fresh producer asks afresh.
  let producer: Producer = await wrap(() => retryTransient(`starting the transactional producer ${transactionalId}`, () => connectTransactionalProducer(kafka, transactionalId)));
  /** Set from a reset until a new producer has connected: begin() tries the reset again first. */
  let broken = false;
  const reset = async () => {
    broken = true;
    const old = producer;
    // The old producer may hang on a broker that is gone: it gets a few seconds, then is left.
    await Promise.race([old.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    producer = await wrap(() => connectTransactionalProducer(kafka, transactionalId));
    broken = false;
  };
  return {
    async begin(): Promise<TransactionPort> {
      if (broken) await reset();
      const transaction = await wrap(() => producer.transaction());
      return {
        send: (records) => wrap(() => transaction.sendBatch({ topicMessages: byTopic(records) })).then(() => undefined),
        sendOffsets: (consumerGroupId, offsets) => {
          const topics = new Map<string, Array<{ partition: number; offset: string; metadata: string }>>();
          for (const { topic, partition, offset, metadata } of offsets) {
            topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset: String(offset), metadata }]);
          }
          return wrap(() => transaction.sendOffsets({ consumerGroupId, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }));
        },
        commit: () => wrap(() => transaction.commit()),
        abort: () => wrap(() => transaction.abort()),
      };
    },
    reset,
    async disconnect() {
      await producer.disconnect();
    },
  };
}

/** `admin.fetchOffsets` as patched (patches/kafkajs+2.2.4.patch): OffsetFetch v7 with require_stable. */
type StableFetch = Parameters<Admin['fetchOffsets']>[0] & { requireStable: true; partitions?: number[] };

export function kafkaJsOffsets(admin: Admin): OffsetsPort {
  return {
    async committed(groupId, topic, partitions) {
      // The broker answers UNSTABLE_OFFSET_COMMIT (kind 'unstable') while a transaction that
      // commits offsets of these partitions is pending; KafkaJS alone cannot ask (OffsetFetch ≤ v4).
      const request: StableFetch = { groupId, topics: [topic], requireStable: true, ...(partitions ? { partitions } : {}) };
      const [entry] = await wrap(() => admin.fetchOffsets(request));
      return (entry?.partitions ?? []).map((p) => ({ partition: p.partition, offset: Number(p.offset), metadata: p.metadata ?? null }));
    },
  };
}
