import {
  connectTransactionalProducer,
  ladderFor,
  parseDelivery,
  pipelineConsumer,
  type Logger,
  type SubscriptionRegistry,
  type Tier,
  type TopicNames,
} from '@hookrail/shared';
import type { Admin, Kafka } from 'kafkajs';
import type { AttemptDependencies, AttemptLogEntry } from './attempt.ts';
import { attemptDelivery } from './attempt.ts';
import { createCommitLoop, type TrackedPartition } from './commit/commit-loop.ts';
import type { DelivererConfig } from './config.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { createPartitionTracker } from './offsets/partition-tracker.ts';

export interface TierLane {
  stop(): Promise<void>;
}

export interface LaneOptions {
  tier: Tier;
  config: DelivererConfig;
  kafka: Kafka;
  topics: TopicNames;
  registry: SubscriptionRegistry;
  attempt: AttemptDependencies;
  logger: Logger;
  onAttempt: (entry: AttemptLogEntry) => void;
  fail: (error: unknown) => void;
}

/**
 * One tier's delivery lane: a consumer of the tier topic and its retry topics, a bounded
 * buffer of records in hand, per-subscription dispatch, and group-committed transactions.
 * Tiers never share a lane, so a tier-3 storm cannot take tier 1's buffer or transactions.
 */
export async function startTierLane(options: LaneOptions): Promise<TierLane> {
  const { tier, config, kafka, topics, registry, logger } = options;
  const settings = config.deliverer;
  const log = logger.child({ tier });
  const groupId = `${config.topics.prefix}-deliverer-tier${tier}`;
  const retryTopics = new Set(ladderFor(config.tiers[tier].retries).map((rung) => topics.retry(tier, rung)));
  const subscribed = [topics.tier(tier), ...retryTopics];

  const partitions = new Map<string, TrackedPartition>();
  const resumeTimers = new Set<NodeJS.Timeout>();
  const windowPaused = new Set<string>();
  let rebalancing = false;
  let stopping = false;
  let capacityWaiter: (() => void) | undefined;
  const buffered = () => {
    let open = 0;
    for (const { tracker } of partitions.values()) open += tracker.open;
    return open;
  };
  const signalCapacity = () => {
    const waiter = capacityWaiter;
    capacityWaiter = undefined;
    waiter?.();
  };

  const admin: Admin = kafka.admin();
  await admin.connect();
  const producer = await connectTransactionalProducer(kafka, `${groupId}-${settings.instanceId}`);
  const consumer = pipelineConsumer(kafka, groupId, 50);

  const dispatcher = createDispatcher({
    limitFor: (subscriptionId) => {
      const subscription = registry.get(subscriptionId);
      return {
        maxInFlight: subscription?.ordered ? 1 : (subscription?.maxInFlight ?? 16),
        ratePerSecond: subscription?.ratePerSecond,
      };
    },
  });

  const commitLoop = createCommitLoop({
    producer,
    groupId,
    partitions: () => partitions.values(),
    canCommit: () => !rebalancing,
    intervalMs: settings.commitIntervalMs,
    logger: log,
    onCommitted: () => {
      for (const key of windowPaused) {
        const tracked = partitions.get(key);
        if (!tracked || tracked.tracker.next - tracked.tracker.base < settings.maxWindow / 2) {
          windowPaused.delete(key);
          if (tracked) consumer.resume([{ topic: tracked.topic, partitions: [tracked.partition] }]);
        }
      }
      signalCapacity();
    },
    onFatal: options.fail,
  });

  const trackedPartition = async (topic: string, partition: number, firstOffset: string): Promise<TrackedPartition> => {
    const key = `${topic}:${partition}`;
    const known = partitions.get(key);
    if (known) return known;
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const entry = committed?.partitions.find((p) => p.partition === partition);
    const offset = entry && Number(entry.offset) >= 0 ? Number(entry.offset) : Number(firstOffset);
    const tracked = { topic, partition, tracker: createPartitionTracker(offset, entry?.metadata) };
    partitions.set(key, tracked);
    return tracked;
  };

  const pauseUntil = (topic: string, partition: number, at: number) => {
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (!stopping) consumer.resume([{ topic, partitions: [partition] }]);
    }, Math.max(0, at - Date.now()));
    resumeTimers.add(timer);
  };

  consumer.on(consumer.events.REBALANCING, () => {
    rebalancing = true;
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set<string>();
    for (const [topic, numbers] of Object.entries(payload.memberAssignment)) {
      for (const partition of numbers) assigned.add(`${topic}:${partition}`);
    }
    // Work on partitions that moved away is handed back: its outcomes are never committed
    // here, and the new owner starts from the last committed offset.
    for (const key of partitions.keys()) if (!assigned.has(key)) partitions.delete(key);
    rebalancing = false;
    signalCapacity();
    log.info({ partitions: assigned.size }, 'partitions assigned');
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // Batches of transaction markers only never reach eachBatch; move past them.
    if (payload.batchSize === 0) partitions.get(`${payload.topic}:${payload.partition}`)?.tracker.passOver(Number(payload.lastOffset));
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) options.fail(payload.error);
  });

  await consumer.connect();
  await consumer.subscribe({ topics: subscribed, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const isRetryTopic = retryTopics.has(batch.topic);
      const tracked = await trackedPartition(batch.topic, batch.partition, batch.firstOffset() ?? '0');
      const { tracker } = tracked;
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || stopping) return;
        const offset = Number(message.offset);
        if (offset - tracker.base >= settings.maxWindow) {
          windowPaused.add(`${batch.topic}:${batch.partition}`);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          return;
        }
        const delivery = parseDelivery(message.headers, message.value);
        if (isRetryTopic && typeof delivery !== 'string' && delivery.notBefore !== undefined) {
          if (delivery.notBefore - Date.now() > settings.holdMs) {
            // Not due for a while: stop fetching this partition (not this consumer) until
            // shortly before it is, and read it again then. Nothing sleeps in a handler.
            pauseUntil(batch.topic, batch.partition, delivery.notBefore - settings.holdMs);
            return;
          }
        }
        while (buffered() >= settings.maxBuffered && !stopping) {
          await new Promise<void>((resolve) => {
            capacityWaiter = resolve;
            setTimeout(resolve, 1_000);
          });
          await heartbeat();
          if (!isRunning() || isStale()) return;
        }
        if (stopping) return;
        const verdict = tracker.accept(offset);
        resolveOffset(message.offset);
        if (verdict === 'skip') continue;

        const origin = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        if (typeof delivery === 'string') {
          // Not a delivery record (someone produced to a hookrail topic by hand): keep it
          // in the DLQ with the reason rather than drop it or stop the lane.
          log.error({ origin, problem: delivery }, 'not a delivery record; dead-lettering it');
          commitLoop.complete(tracked, offset, [
            {
              topic: topics.dlq,
              message: {
                key: message.key,
                value: message.value,
                headers: { ...message.headers, 'hookrail-error': 'malformed-delivery', 'hookrail-error-detail': delivery, 'hookrail-original-topic': batch.topic, 'hookrail-original-partition': String(batch.partition), 'hookrail-original-offset': message.offset },
              },
            },
          ]);
          continue;
        }
        dispatcher.submit({
          subscriptionId: delivery.subscriptionId,
          dueAt: delivery.notBefore ?? 0,
          run: async () => {
            try {
              const outcome = await attemptDelivery(delivery, registry.get(delivery.subscriptionId), origin, options.attempt);
              options.onAttempt(outcome.entry);
              commitLoop.complete(tracked, offset, outcome.records);
            } catch (error) {
              // A bug, not a receiver's failure: stop rather than guess; the record is redone.
              options.fail(error);
            }
          },
        });
      }
      await heartbeat();
    },
  });
  log.info({ groupId, topics: subscribed.length }, 'lane started');

  return {
    async stop() {
      stopping = true;
      signalCapacity();
      for (const timer of resumeTimers) clearTimeout(timer);
      await consumer.stop();
      const drained = await dispatcher.drain(settings.drainMs);
      if (!drained) log.warn({ drainMs: settings.drainMs }, 'requests still in flight at shutdown are handed back');
      await commitLoop.flush();
      await commitLoop.stop();
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
