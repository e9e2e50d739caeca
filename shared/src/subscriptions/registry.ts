import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../logging.ts';
import { parseSubscription, SubscriptionError, type Subscription } from './subscription.ts';

/** Every service's live, in-memory view of the compacted subscriptions topic. */
export interface SubscriptionRegistry {
  /** Resolves once everything written before the call has been read. */
  start(): Promise<void>;
  get(id: string): Subscription | undefined;
  all(): Subscription[];
  /** Called after each change (a subscription added, replaced or deleted). */
  onChange(listener: (id: string, subscription: Subscription | undefined) => void): void;
  stop(): Promise<void>;
}

/** Consumer groups of registry readers start with this; the monitor leaves them out of lag. */
export const REGISTRY_GROUP_PREFIX = 'hookrail-registry-';

export function createSubscriptionRegistry(options: {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Names the reader's throwaway consumer group: `hookrail-registry-<owner>-<uuid>`. */
  owner: string;
}): SubscriptionRegistry {
  const { kafka, topic, logger } = options;
  const subscriptions = new Map<string, Subscription>();
  const listeners: Array<(id: string, subscription: Subscription | undefined) => void> = [];
  // Every reader must see the whole topic, so each gets a group of its own and never commits.
  const consumer = kafka.consumer({
    groupId: `${REGISTRY_GROUP_PREFIX}${options.owner}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 500,
  });

  const apply = (key: string, value: Buffer | null) => {
    if (value === null) {
      subscriptions.delete(key);
      for (const listener of listeners) listener(key, undefined);
      return;
    }
    try {
      const subscription = parseSubscription(JSON.parse(value.toString('utf8')), `subscription ${key}`);
      subscriptions.set(subscription.id, subscription);
      for (const listener of listeners) listener(subscription.id, subscription);
    } catch (error) {
      const detail = error instanceof SubscriptionError ? error.problems : String(error);
      logger.error({ topic, key, detail }, 'ignoring an invalid subscription record');
    }
  };

  return {
    async start() {
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      // The offsets still to read before the view is complete, per partition.
      const waiting = new Map(
        ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
      );
      let caughtUp!: () => void;
      const ready = new Promise<void>((resolve) => (caughtUp = resolve));
      if (waiting.size === 0) caughtUp();

      // Batches of only transaction markers never reach eachBatch; the end-of-batch event
      // fires for those too, so catching up is judged there.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = waiting.get(payload.partition);
        if (end !== undefined && Number(payload.lastOffset) >= end - 1) {
          waiting.delete(payload.partition);
          if (waiting.size === 0) caughtUp();
        }
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const message of batch.messages) {
            if (message.key) apply(message.key.toString('utf8'), message.value);
            resolveOffset(message.offset);
          }
        },
      });
      await ready;
      logger.info({ topic, count: subscriptions.size }, 'subscriptions loaded');
    },
    get: (id) => subscriptions.get(id),
    all: () => [...subscriptions.values()],
    onChange: (listener) => void listeners.push(listener),
    stop: () => consumer.disconnect(),
  };
}

/** Writes subscriptions (keyed by id) to the registry topic; compaction keeps the newest. */
export async function publishSubscriptions(
  producer: Producer,
  topic: string,
  subscriptions: readonly Subscription[],
): Promise<void> {
  if (subscriptions.length === 0) return;
  await producer.send({
    topic,
    acks: -1,
    messages: subscriptions.map((s) => ({ key: s.id, value: JSON.stringify(s) })),
  });
}

/** Deletes subscriptions: a tombstone per id. */
export async function deleteSubscriptions(producer: Producer, topic: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await producer.send({ topic, acks: -1, messages: ids.map((id) => ({ key: id, value: null })) });
}
