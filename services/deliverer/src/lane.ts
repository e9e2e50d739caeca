import {
  createTrackedConsumer,
  ladderFor,
  parseDelivery,
  type Logger,
  type SubscriptionRegistry,
  type Tier,
  type TopicNames,
} from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import type { AttemptDependencies, AttemptLogEntry } from './attempt.ts';
import { attemptDelivery } from './attempt.ts';
import type { DelivererConfig } from './config.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';

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

  const resumeTimers = new Set<NodeJS.Timeout>();
  const tracked = await createTrackedConsumer({
    kafka,
    groupId,
    transactionalId: `${groupId}-${settings.instanceId}`,
    logger: log,
    maxBuffered: settings.maxBuffered,
    maxWindow: settings.maxWindow,
    commitIntervalMs: settings.commitIntervalMs,
    // Short fetch waits: a resumed retry partition is fetched promptly.
    maxWaitTimeInMs: 50,
    onFatal: options.fail,
  });
  const { consumer } = tracked;

  const dispatcher = createDispatcher({
    limitFor: (subscriptionId) => {
      const subscription = registry.get(subscriptionId);
      return {
        maxInFlight: subscription?.ordered ? 1 : (subscription?.maxInFlight ?? 16),
        ratePerSecond: subscription?.ratePerSecond,
      };
    },
  });

  const pauseUntil = (topic: string, partition: number, at: number) => {
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (!tracked.stopping) consumer.resume([{ topic, partitions: [partition] }]);
    }, Math.max(0, at - Date.now()));
    resumeTimers.add(timer);
  };

  await consumer.connect();
  await consumer.subscribe({ topics: subscribed, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const isRetryTopic = retryTopics.has(batch.topic);
      const partition = await tracked.partition(batch);
      const { tracker } = partition;
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (tracked.windowFull(partition, offset)) return;
        const delivery = parseDelivery(message.headers, message.value);
        if (isRetryTopic && typeof delivery !== 'string' && delivery.notBefore !== undefined) {
          if (delivery.notBefore - Date.now() > settings.holdMs) {
            // Not due for a while: stop fetching this partition (not this consumer) until
            // shortly before it is, and read it again then. Nothing sleeps in a handler.
            pauseUntil(batch.topic, batch.partition, delivery.notBefore - settings.holdMs);
            return;
          }
        }
        if (!(await tracked.roomFor({ heartbeat, isRunning, isStale }))) return;
        const verdict = tracker.accept(offset);
        resolveOffset(message.offset);
        if (verdict === 'skip') continue;

        const origin = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        if (typeof delivery === 'string') {
          // Not a delivery record (someone produced to a hookrail topic by hand): keep it
          // in the DLQ with the reason rather than drop it or stop the lane.
          log.error({ origin, problem: delivery }, 'not a delivery record; dead-lettering it');
          tracked.complete(partition, offset, [
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
              tracked.complete(partition, offset, outcome.records);
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
      for (const timer of resumeTimers) clearTimeout(timer);
      await tracked.stopFetching();
      const drained = await dispatcher.drain(settings.drainMs);
      if (!drained) log.warn({ drainMs: settings.drainMs }, 'requests still in flight at shutdown are handed back');
      await tracked.close();
    },
  };
}
