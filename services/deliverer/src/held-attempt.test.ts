import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseConfigSchema, H, headerString, MalformedRecord, parseDelivery, subscriptionSchema, topicNames, type Delivery } from '@hookrail/shared';
import { attemptDelivery, type AttemptDependencies } from './attempt.ts';
import { createDestinationGuard, type GuardSettings } from './dispatch/destination-guard.ts';
import type { HttpSender } from './http/sender.ts';

const topics = topicNames('t');
const settings: GuardSettings = {
  breaker: { enabled: true, windowMs: 60_000, minRequests: 2, failureRatio: 0.5, openMs: 30_000, jitterRatio: 0, probes: 1 },
  adaptive: { enabled: true, backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 60_000 },
};
const subscription = subscriptionSchema.parse({
  id: 'warehouse',
  source: 's',
  destination: 'dwh',
  url: 'https://dwh.example.com/hook',
  eventTypes: ['*'],
  tier: 1,
  secrets: [`whsec_${Buffer.alloc(32, 7).toString('base64')}`],
});
const delivery = (attempt: number, rung?: number): Delivery => ({
  deliveryId: `msg_${attempt}`,
  eventId: 'e-1',
  eventType: 'order.created',
  subscriptionId: 'warehouse',
  tier: 1,
  attempt,
  ...(rung === undefined ? {} : { rung, notBefore: 0, firstAttemptAt: 1 }),
  source: 'src/0/7',
  eventTime: 1,
  contentType: 'application/json',
  payload: Buffer.from('{"id":"e-1"}'),
});
const origin = { topic: 't.tier1', partition: 0, offset: '1' };

/** Attempt dependencies whose sender answers 500 and counts its requests, on a fixed clock. */
function setup() {
  let requests = 0;
  const sender = { send: async () => (requests++, { status: 500, durationMs: 5 }) } as unknown as HttpSender;
  const guard = createDestinationGuard({ settings, now: () => 1_000, random: () => 0 });
  const deps: AttemptDependencies = {
    config: baseConfigSchema.parse({ kafka: { brokers: ['127.0.0.1:9092'] } }),
    topics,
    sender,
    userAgent: 'test',
    jitterRatio: 0,
    now: () => 1_000,
    random: () => 0,
    guard,
  };
  return { deps, requests: () => requests };
}

describe('an attempt while the destination\'s breaker is open', () => {
  it('makes no request, keeps the attempt count, and moves to the first rung covering the cool-down', async () => {
    const { deps, requests } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    assert.equal(requests(), 2, 'two failures open the breaker');
    const held = await attemptDelivery(delivery(2, 1), subscription, origin, deps);
    assert.equal(requests(), 2, 'no request while open');
    assert.deepEqual([held.entry.outcome, held.entry.http, held.entry.errorClass, held.entry.attempt], ['retry', false, 'circuit-open', 2]);
    assert.deepEqual(held.entry.breaker, { destination: 'https://dwh.example.com', state: 'open', limit: 16 });
    // 30 s left of the cool-down: past the 16 s rung, to the 64 s one (index 3).
    const retry = held.records.find((r) => r.topic === held.entry.retryTopic)!;
    assert.equal(held.entry.retryTopic, topics.retry(1, { name: '64s', delayMs: 64_000 }));
    const parsed = parseDelivery(retry.message.headers as Record<string, string>, retry.message.value as Buffer);
    assert.ok(!(parsed instanceof MalformedRecord), String(parsed));
    assert.deepEqual([parsed.attempt, parsed.rung, parsed.notBefore], [2, 3, 65_000]);
  });

  it('at the last rung it dead-letters as exhausted, naming the breaker and the HTTP attempts made', async () => {
    const { deps } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    const held = await attemptDelivery(delivery(3, 7), subscription, origin, deps);
    assert.equal(held.entry.outcome, 'dead-letter');
    const dlq = held.records.find((r) => r.topic === topics.dlq)!;
    const headers = dlq.message.headers as Record<string, string>;
    assert.equal(headerString(headers, H.error), 'exhausted');
    assert.equal(headerString(headers, H.errorDetail), 'circuit-open at the last rung of the ladder, after 3 HTTP attempts');
    assert.equal(headerString(headers, H.attempt), '3');
  });
});
