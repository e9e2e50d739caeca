import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseConfigSchema, H, headerString, MalformedRecord, parseDelivery, subscriptionSchema, topicNames, type Delivery } from '@hookrail/shared';
import { attemptDelivery, type AttemptDependencies } from './attempt.ts';
import { createDestinationGuard, type GuardSettings } from './dispatch/destination-guard.ts';
import type { HttpSender } from './http/sender.ts';

const topics = topicNames('t');
const settings: GuardSettings = {
  breaker: {
    enabled: true, windowMs: 60_000, minRequests: 2, failureRatio: 0.5, openMs: 30_000, jitterRatio: 0, probes: 1, consecutiveFailures: 0,
    rateFactor: 2, minRatePerSecond: 1, quietMs: 10_000, maxMs: 300_000,
  },
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

/** Attempt dependencies whose sender answers 502 to `/hook` and 200 elsewhere, counting its requests, on a clock the test moves. */
function setup() {
  const requests: string[] = [];
  const clock = { now: 1_000 };
  const sender = { send: async ({ url }: { url: string }) => (requests.push(url), { status: url.endsWith('/hook') ? 502 : 200, durationMs: 5 }) } as unknown as HttpSender;
  const guard = createDestinationGuard({ settings, now: () => clock.now, random: () => 0 });
  const deps: AttemptDependencies = {
    config: baseConfigSchema.parse({ kafka: { brokers: ['127.0.0.1:9092'] } }),
    topics,
    sender,
    userAgent: 'test',
    jitterRatio: 0,
    now: () => clock.now,
    random: () => 0,
    guard,
    maxHoldMs: 600_000,
  };
  return { deps, clock, requests: () => requests.length };
}

const parsed = (outcome: { records: Array<{ topic: string; message: { headers?: unknown; value: unknown } }> }, topic: string) => {
  const record = outcome.records.find((r) => r.topic === topic)!;
  const delivery = parseDelivery(record.message.headers as Record<string, string>, record.message.value as Buffer);
  assert.ok(!(delivery instanceof MalformedRecord), String(delivery));
  return delivery;
};

describe("an attempt while the endpoint's breaker is open", () => {
  it('makes no request and spends neither an attempt nor a rung: it waits out the cool-down on the first rung covering it', async () => {
    const { deps, requests } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    assert.equal(requests(), 2, 'two failures open the breaker');
    const held = await attemptDelivery(delivery(2, 1), subscription, origin, deps);
    assert.equal(requests(), 2, 'no request while open');
    assert.deepEqual([held.entry.outcome, held.entry.http, held.entry.errorClass, held.entry.attempt], ['retry', false, 'circuit-open', 2]);
    assert.deepEqual(held.entry.breaker, { destination: 'https://dwh.example.com/hook', state: 'open', limit: 16 });
    // 30 s left of the cool-down: on the 64 s rung's topic (the first covering it), due when the cool-down ends.
    assert.equal(held.entry.retryTopic, topics.retry(1, { name: '64s', delayMs: 64_000 }));
    const waiting = parsed(held, held.entry.retryTopic!);
    assert.deepEqual([waiting.attempt, waiting.rung, waiting.notBefore, waiting.heldSince], [2, 1, 31_000, 1_000]);
  });

  it('at the last rung it is held too, not dead-lettered: the receiver may be back when the breaker probes', async () => {
    const { deps } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    const held = await attemptDelivery(delivery(8, 7), subscription, origin, deps);
    assert.equal(held.entry.outcome, 'retry');
    assert.equal(held.records.some((r) => r.topic === topics.dlq), false);
    assert.deepEqual([parsed(held, held.entry.retryTopic!).attempt, parsed(held, held.entry.retryTopic!).rung], [8, 7]);
  });

  it('past its horizon (its ladder + maxHoldMs since its first attempt) it is dead-lettered as circuit-open, naming the HTTP attempts made', async () => {
    const { deps, clock } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    // Tier 1's ladder is 21,845 s; with 600 s of hold the horizon is 22,445 s after the first attempt (at 1 ms).
    clock.now = 22_445_001;
    await attemptDelivery(delivery(0), subscription, origin, deps); // half-open by now: this probe fails, it opens again
    const late = await attemptDelivery({ ...delivery(3, 7), firstAttemptAt: 1 }, subscription, origin, deps);
    assert.equal(late.entry.outcome, 'dead-letter');
    const headers = late.records.find((r) => r.topic === topics.dlq)!.message.headers as Record<string, string>;
    assert.equal(headerString(headers, H.error), 'circuit-open');
    assert.match(headerString(headers, H.errorDetail)!, /after 3 HTTP attempts/);
  });

  it('a sibling endpoint on the same host is not held: HTTP answers are judged per endpoint', async () => {
    const { deps, requests } = setup();
    await attemptDelivery(delivery(0), subscription, origin, deps);
    await attemptDelivery(delivery(0), subscription, origin, deps);
    const sibling = { ...subscription, id: 'crm', url: 'https://dwh.example.com/other' };
    const sent = await attemptDelivery({ ...delivery(0), subscriptionId: 'crm' }, sibling, origin, deps);
    assert.equal(sent.entry.outcome, 'delivered');
    assert.equal(requests(), 3);
  });
});
