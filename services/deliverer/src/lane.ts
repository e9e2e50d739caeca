import {
  consumedOrigin,
  deadLetterHeaders,
  deadLetterOfRecord,
  fetchBounds,
  ladderFor,
  MalformedRecord,
  maxRecordBytesFor,
  parkedDeliveryRecord,
  parkedPlace,
  parkedStateMessage,
  parseDelivery,
  parseDeliveryMarks,
  quarantineRecord,
  startKafkaJsTrackedConsumer,
  type ConsumedRecord,
  type Logger,
  type OutgoingRecord,
  type Subscription,
  type SubscriptionRegistry,
  type Delivery,
  type ParkedState,
  type Tier,
  type TopicNames,
  type TransactionReport,
} from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import type { AttemptDependencies, AttemptLogEntry } from './attempt.ts';
import { attemptDelivery, holdOutcome, internalFailure, spillOutcome } from './attempt.ts';
import type { DelivererConfig } from './config.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { createOrderedDeliveries, type Parking } from './ordering/ordered-delivery.ts';
import { startParkedStateView, type ParkedStateView } from './ordering/parked-state.ts';

export interface TierLane {
  /** A subscription's deliveries in this lane (waiting, queued or in flight). */
  pending(subscriptionId: string): number;
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
  /** A delivery left the lane unattempted because its endpoint was saturated (metrics). */
  onSpill?: (subscription: Subscription) => void;
  /** Every transaction of the lane's commit loop (metrics). */
  onTransaction?: (transaction: TransactionReport) => void;
  fail: (error: unknown) => void;
  /** The tier's backfill lane (its backfill topic, its own group) instead of the live one. */
  backfill?: boolean;
}

/** Reads the parked state to its end, retrying (a broker blip must not turn ordered deliveries into dead letters) until the epoch ends. */
async function untilRead(view: ParkedStateView, signal: AbortSignal, log?: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await view.caughtUp();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      log?.warn({ err: error, attempt }, 'could not read the parked-state topic to its end; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
    }
  }
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
  // The live lane also drains its tier's parking topic (ordered keys blocked past parkAfter).
  const parkedTopic = topics.parked(tier);
  const subscribed = options.backfill ? [topics.backfill(tier)] : [topics.tier(tier), ...retryTopics, parkedTopic];
  const parkedWindow = Math.max(2, Math.floor(settings.maxBuffered / (2 * config.topics.partitions)));
  const parkedState: ParkedStateView | undefined = options.backfill
    ? undefined
    : await startParkedStateView({
        kafka,
        topic: topics.parkedState(tier),
        // A reader of its own per process: it reads the whole state topic and commits nothing.
        groupId: `${groupId}-parked-state-${settings.instanceId}-${process.pid}-${Date.now()}`,
        logger: log,
      });
  /** Per assignment epoch of a tier partition: the parked state read to its end before its first ordered delivery. */
  const stateRead = new WeakMap<AbortSignal, Promise<void>>();
  const parkedStateRead = (signal: AbortSignal) => {
    if (!parkedState) return Promise.resolve();
    let read = stateRead.get(signal);
    if (!read) stateRead.set(signal, (read = untilRead(parkedState, signal, log)));
    return read;
  };
  const stateRecord = (state: ParkedState): OutgoingRecord => ({ topic: topics.parkedState(tier), message: parkedStateMessage(state) });
  const parking: Parking | undefined = parkedState && {
    parkAfter: settings.parkAfter,
    // Asked only about records the consumer below has handed over, so once it exists.
    reading: (topic, partition) => tracked.reading(topic, partition),
    isParkingTopic: (topic) => topic === parkedTopic,
    isParked: (key) => parkedState.counts.isParked(key),
    append(key: string, delivery: Delivery, replay: boolean) {
      const n = parkedState.counts.append(key);
      return [parkedDeliveryRecord(parkedTopic, key, delivery, n, replay ? { replayOf: topics.dlq } : {}), stateRecord({ kind: 'appended', key, n })];
    },
    holdState: (key) => parkedState.holds.state(key),
    writeHold(key, hold) {
      parkedState.holds.write(key, hold);
      return stateRecord({ kind: 'held', key, hold });
    },
  };
  /** A parked delivery's outcome also records it drained (its number), in the same transaction. */
  const withDrained = (record: ConsumedRecord, records: OutgoingRecord[]): OutgoingRecord[] => {
    const place = record.topic === parkedTopic ? parkedPlace(record.headers) : undefined;
    return place ? [...records, stateRecord({ kind: 'drained', ...place })] : records;
  };

  const guard = options.attempt.guard;
  const dispatcher = createDispatcher({
    limitFor: (subscriptionId) => {
      const subscription = registry.get(subscriptionId);
      if (!subscription || !guard) return { maxInFlight: subscription?.maxInFlight ?? 16, ratePerSecond: subscription?.ratePerSecond };
      // The endpoint's slow start or adaptive limit, and its release rate after an outage (dispatch/destination-guard.ts).
      const limits = guard.limits(subscription);
      const rates = [subscription.ratePerSecond, limits.ratePerSecond].filter((r) => r !== undefined);
      return { maxInFlight: limits.maxInFlight, ratePerSecond: rates.length > 0 ? Math.min(...rates) : undefined, ...(limits.ratePerSecond !== undefined ? { burst: 1 } : {}) };
    },
  });

  /**
   * A delivery that cannot be sent soon leaves the lane at once, unattempted, so it holds no
   * buffer and no offset (docs/architecture.md, "Fair share"): held while its endpoint's
   * breaker is open or paused past its due time; spilled when its subscription already has its
   * share of the lane (the buffer divided among the subscriptions with work in it, recent work
   * included: dispatcher.active; at least its in-flight limit).
   */
  const leaveLane = (delivery: Delivery, subscription: Subscription | undefined, record: ConsumedRecord): OutgoingRecord[] | undefined => {
    if (!guard || !subscription?.enabled) return undefined;
    const blocked = guard.blockedFor(subscription);
    if (blocked && Date.now() + blocked.ms > (delivery.notBefore ?? 0)) {
      const outcome = holdOutcome(delivery, subscription, originOf(record), blocked.reason, blocked.ms, options.attempt);
      options.onAttempt(outcome.entry);
      return outcome.records;
    }
    const { pending } = dispatcher.load(subscription.id);
    const share = Math.max(guard.limits(subscription).maxInFlight, Math.floor(settings.maxBuffered / Math.max(1, dispatcher.active(subscription.id))));
    if (pending < share) return undefined;
    const spilled = spillOutcome(delivery, options.attempt);
    if (spilled) options.onSpill?.(subscription);
    return spilled;
  };

  const ordered = createOrderedDeliveries({
    dispatcher,
    attempt: (delivery, origin) => attemptDelivery(delivery, registry.get(delivery.subscriptionId), origin, options.attempt),
    topics,
    onAttempt: options.onAttempt,
    logger: log,
    ...(parking ? { parking } : {}),
  });

  const originOf = (record: ConsumedRecord) => ({ topic: record.topic, partition: record.partition, offset: String(record.offset) });

  /** A record in a hookrail topic that is not a delivery record: kept in the DLQ with the reason. */
  const malformed = (record: ConsumedRecord, { problem }: MalformedRecord): OutgoingRecord[] => {
    log.error({ origin: originOf(record), problem }, 'not a delivery record; dead-lettering it');
    return [deadLetterOfRecord(topics.dlq, record, { error: 'malformed-delivery', detail: problem, origin: originOf(record) })];
  };

  const tracked = await startKafkaJsTrackedConsumer(kafka, {
    groupId,
    transactionalId: `${groupId}-${settings.instanceId}`,
    topics: subscribed,
    logger: log,
    maxBuffered: settings.maxBuffered,
    maxWindow: settings.maxWindow,
    // Parked deliveries in hand never take more than half the lane's buffer (all parking partitions together).
    windowOf: (topic) => (topic === parkedTopic ? parkedWindow : undefined),
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
        if (delivery instanceof MalformedRecord || delivery.notBefore === undefined) return undefined;
        // Not due for a while: read it again shortly before it is. Due soon: held in memory.
        return delivery.notBefore - Date.now() > settings.holdMs ? { until: delivery.notBefore - settings.holdMs } : undefined;
      },
      handle(record, signal) {
        return delivered(record, signal).then((records) => withDrained(record, records));
      },
      failed(record, error) {
        const delivery = parseDelivery(record.headers, record.value);
        if (delivery instanceof MalformedRecord) return malformed(record, delivery);
        const outcome = internalFailure(delivery, originOf(record), error, options.attempt);
        options.onAttempt(outcome.entry);
        return withDrained(record, outcome.records);
      },
      committed: (topic, partition, offsets) => ordered.committed(topic, partition, offsets),
      quarantine: (record, info) =>
        quarantineRecord(record, { ...info, topic: topics.dlq, headers: deadLetterHeaders({ error: 'unwritable', detail: info.reason, origin: consumedOrigin(info.consumed) }) }),
    },
  });
  log.info({ groupId, topics: subscribed.length }, 'lane started');

  /** What one consumed delivery record becomes. */
  function delivered(record: ConsumedRecord, signal: AbortSignal): Promise<OutgoingRecord[]> {
        const delivery = parseDelivery(record.headers, record.value);
        if (delivery instanceof MalformedRecord) return Promise.resolve(malformed(record, delivery));
        const orderedBy = registry.get(delivery.subscriptionId)?.ordered;
        if (orderedBy) {
          const replay = parseDeliveryMarks(record.headers).replayOf !== undefined;
          const handle = () => ordered.handle({ delivery, ordered: orderedBy, origin: originOf(record), replay, signal });
          // A partition new to this lane: which keys are parked or held is known before its first ordered delivery.
          return parkedStateRead(signal).then(handle);
        }
        const left = leaveLane(delivery, registry.get(delivery.subscriptionId), record);
        if (left) return Promise.resolve(left);
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
  }

  return {
    pending: (subscriptionId) => dispatcher.load(subscriptionId).pending,
    async stop() {
      await tracked.stop(async () => {
        const drained = await dispatcher.drain(settings.drainMs);
        if (!drained) log.warn({ drainMs: settings.drainMs }, 'requests still in flight at shutdown are handed back');
      });
      await parkedState?.stop();
    },
  };
}
