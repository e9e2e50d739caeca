import {
  fetchBounds,
  H,
  ladderFor,
  maxRecordBytesFor,
  parseDelivery,
  quarantineRecord,
  startKafkaJsTrackedConsumer,
  type ConsumedRecord,
  type Logger,
  type OutgoingRecord,
  type SubscriptionRegistry,
  type Tier,
  type TopicNames,
  type TransactionReport,
} from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import type { AttemptDependencies, AttemptLogEntry } from './attempt.ts';
import { attemptDelivery, internalFailure } from './attempt.ts';
import type { DelivererConfig } from './config.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { createOrderedDeliveries } from './ordering/ordered-delivery.ts';

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
  /** Every transaction of the lane's commit loop (metrics). */
  onTransaction?: (transaction: TransactionReport) => void;
  fail: (error: unknown) => void;
  /** The tier's backfill lane (its backfill topic, its own group) instead of the live one. */
  backfill?: boolean;
}

/**
 * One tier's delivery lane: a consumer of the tier topic and its retry topics, per-subscription
 * dispatch, and the core's group-committed transactions. Tiers never share a lane, so a tier-3
 * storm cannot take tier 1's buffer or transactions. This file says what one delivery record
 * becomes; the core (`startTrackedConsumer`) owns fetching, offsets and assignment epochs.
 */
export async function startTierLane(options: LaneOptions): Promise<TierLane> {
  const { tier, config, kafka, topics, registry, logger } = options;
  const settings = config.deliverer;
  const log = logger.child({ tier, ...(options.backfill ? { lane: 'backfill' } : {}) });
  const groupId = `${config.topics.prefix}-deliverer-tier${tier}${options.backfill ? '-backfill' : ''}`;
  const retryTopics = new Set(ladderFor(config.tiers[tier].retries).map((rung) => topics.retry(tier, rung)));
  const subscribed = options.backfill ? [topics.backfill(tier)] : [topics.tier(tier), ...retryTopics];

  const dispatcher = createDispatcher({
    limitFor: (subscriptionId) => {
      const subscription = registry.get(subscriptionId);
      const maxInFlight = subscription?.maxInFlight ?? 16;
      const guard = options.attempt.guard;
      return {
        // The destination's adaptive limit, when it is lower (dispatch/destination-guard.ts).
        maxInFlight: subscription && guard ? guard.limit(subscription.url, maxInFlight) : maxInFlight,
        ratePerSecond: subscription?.ratePerSecond,
      };
    },
  });

  const ordered = createOrderedDeliveries({
    dispatcher,
    attempt: (delivery, origin) => attemptDelivery(delivery, registry.get(delivery.subscriptionId), origin, options.attempt),
    topics,
    onAttempt: options.onAttempt,
    logger: log,
  });

  const originOf = (record: ConsumedRecord) => ({ topic: record.topic, partition: record.partition, offset: String(record.offset) });

  /** A record in a hookrail topic that is not a delivery record: kept in the DLQ with the reason. */
  const malformed = (record: ConsumedRecord, problem: string): OutgoingRecord[] => {
    log.error({ origin: originOf(record), problem }, 'not a delivery record; dead-lettering it');
    return [
      {
        topic: topics.dlq,
        message: {
          key: record.key,
          value: record.value,
          headers: {
            ...record.headers,
            [H.error]: 'malformed-delivery',
            [H.errorDetail]: problem,
            [H.originalTopic]: record.topic,
            [H.originalPartition]: String(record.partition),
            [H.originalOffset]: String(record.offset),
          },
        },
      },
    ];
  };

  const tracked = await startKafkaJsTrackedConsumer(kafka, {
    groupId,
    transactionalId: `${groupId}-${settings.instanceId}`,
    topics: subscribed,
    logger: log,
    maxBuffered: settings.maxBuffered,
    maxWindow: settings.maxWindow,
    commitIntervalMs: settings.commitIntervalMs,
    maxRecordBytes: maxRecordBytesFor(config.topics.maxMessageBytes),
    // Short fetch waits: a resumed retry partition is fetched promptly (a backfill lane has none).
    maxWaitTimeInMs: options.backfill ? 500 : 50,
    fetch: fetchBounds(config.kafka),
    ...(options.onTransaction ? { onTransaction: options.onTransaction } : {}),
    onFatal: options.fail,
    handler: {
      admit(record) {
        if (!retryTopics.has(record.topic)) return undefined;
        const delivery = parseDelivery(record.headers, record.value);
        if (typeof delivery === 'string' || delivery.notBefore === undefined) return undefined;
        // Not due for a while: read it again shortly before it is. Due soon: held in memory.
        return delivery.notBefore - Date.now() > settings.holdMs ? { until: delivery.notBefore - settings.holdMs } : undefined;
      },
      handle(record, signal) {
        const delivery = parseDelivery(record.headers, record.value);
        if (typeof delivery === 'string') return Promise.resolve(malformed(record, delivery));
        const orderedBy = registry.get(delivery.subscriptionId)?.ordered;
        if (orderedBy) {
          const replay = record.headers?.[H.replayOf] !== undefined;
          return ordered.handle({ delivery, ordered: orderedBy, origin: originOf(record), replay, signal });
        }
        return new Promise<OutgoingRecord[]>((resolve, reject) => {
          // Settles when the record's assignment ends, too; the listener goes when it settles.
          const onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          dispatcher.submit({
            subscriptionId: delivery.subscriptionId,
            dueAt: delivery.notBefore ?? 0,
            signal,
            run: async () => {
              try {
                const outcome = await attemptDelivery(delivery, registry.get(delivery.subscriptionId), originOf(record), options.attempt);
                options.onAttempt(outcome.entry);
                resolve(outcome.records);
              } catch (error) {
                reject(error);
              } finally {
                signal.removeEventListener('abort', onAbort);
              }
            },
          });
        });
      },
      failed(record, error) {
        const delivery = parseDelivery(record.headers, record.value);
        if (typeof delivery === 'string') return malformed(record, delivery);
        const outcome = internalFailure(delivery, originOf(record), error, options.attempt);
        options.onAttempt(outcome.entry);
        return outcome.records;
      },
      committed: (topic, partition, offsets) => ordered.committed(topic, partition, offsets),
      quarantine: (record, info) =>
        quarantineRecord(record, { ...info, topic: topics.dlq, headers: { [H.error]: 'unwritable', [H.errorDetail]: info.reason } }),
    },
  });
  log.info({ groupId, topics: subscribed.length }, 'lane started');

  return {
    async stop() {
      await tracked.stop(async () => {
        const drained = await dispatcher.drain(settings.drainMs);
        if (!drained) log.warn({ drainMs: settings.drainMs }, 'requests still in flight at shutdown are handed back');
      });
    },
  };
}
