// Where a delivery's time went, read back from Kafka after a run: its source event time (the
// event's time header), when the router wrote its tier record (the record's timestamp, set when
// the router's producer sent it, before its transaction committed) and when the deliverer
// first attempted it (the attempt log).
import type { Kafka } from 'kafkajs';
import { MalformedRecord, parseAttempt, parseDelivery, readToEnd, type RecordHeaders } from '@hookrail/shared';
import type { Install } from './kafka.ts';

export interface DeliveryTiming {
  eventTime: number;
  routedAt: number;
  attemptedAt: number;
}

/** Per delivery of the subscription (in its tier topic): event time, routed at, first attempt. */
export async function deliveryTimings(kafka: Kafka, install: Install, subscriptionId: string, tier: 1 | 2 | 3): Promise<DeliveryTiming[]> {
  const routed = new Map<string, { eventTime: number; routedAt: number }>();
  const firstAttempt = new Map<string, number>();
  let reader = 0;
  const read = (topic: string, onMessage: (message: { headers?: RecordHeaders; value: Buffer | null; timestamp: string }) => void) =>
    readToEnd({
      kafka,
      topic,
      // Under the install's prefix: its cleanup deletes the group.
      groupId: `${install.prefix}-timings-reader-${++reader}`,
      onBatch: async ({ batch }) => batch.messages.forEach(onMessage),
    });
  await read(install.topics.tier(tier), (message) => {
    const delivery = parseDelivery(message.headers, message.value);
    if (delivery instanceof MalformedRecord || delivery.subscriptionId !== subscriptionId) return;
    routed.set(delivery.deliveryId, { eventTime: delivery.eventTime, routedAt: Number(message.timestamp) });
  });
  await read(install.topics.attempts, (message) => {
    const entry = parseAttempt(message.value);
    if (entry instanceof MalformedRecord || entry.subscriptionId !== subscriptionId || entry.attempt !== 1 || !entry.http) return;
    firstAttempt.set(entry.deliveryId, Math.min(firstAttempt.get(entry.deliveryId) ?? Infinity, entry.attemptedAt));
  });
  return [...routed].flatMap(([id, r]) => (firstAttempt.has(id) ? [{ ...r, attemptedAt: firstAttempt.get(id)! }] : []));
}

export interface SlowBurst {
  /** Event time of the burst's first slow delivery. */
  from: number;
  /** Event time of its last. */
  to: number;
  count: number;
  /** The worst routing and deliverer wait within it (ms). */
  worstRouting: number;
  worstWait: number;
}

/**
 * Deliveries first attempted more than `thresholdMs` after their event, grouped into bursts
 * (slow deliveries whose event times are within `gapMs` of each other): many deliveries slow
 * at once point at a stall of one stage, a few scattered ones at queueing.
 */
export function slowBursts(timings: readonly DeliveryTiming[], thresholdMs: number, gapMs: number): SlowBurst[] {
  const slow = timings.filter((t) => t.attemptedAt - t.eventTime > thresholdMs).sort((a, b) => a.eventTime - b.eventTime);
  const bursts: SlowBurst[] = [];
  for (const t of slow) {
    const last = bursts.at(-1);
    const routing = t.routedAt - t.eventTime;
    const wait = t.attemptedAt - t.routedAt;
    if (last && t.eventTime - last.to <= gapMs) {
      last.to = t.eventTime;
      last.count++;
      last.worstRouting = Math.max(last.worstRouting, routing);
      last.worstWait = Math.max(last.worstWait, wait);
    } else {
      bursts.push({ from: t.eventTime, to: t.eventTime, count: 1, worstRouting: routing, worstWait: wait });
    }
  }
  return bursts;
}
