import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptEntry } from '@hookrail/shared';
import { DeliveryStats } from './delivery-stats.ts';
import { queueLengths, tierQueueLength, classifyTopic, classifyGroup } from './policy/topology.ts';

describe('delivery stats', () => {
  it('windows per tier and per subscription: success rate, dead letters, retries, latencies', () => {
    const stats = new DeliveryStats({ tierSpanMs: 60_000, tierSlotMs: 1_000, subscriptionSpanMs: 60_000, subscriptionSlotMs: 1_000 });
    const base = { deliveryId: 'x', tier: 1 as const, http: true, eventTime: 1, firstAttemptAt: 0 };
    stats.add({ ...base, subscriptionId: 'a', attempt: 1, outcome: 'retry', status: 500, durationMs: 40, attemptedAt: 1_000 }, 10_000);
    stats.add({ ...base, subscriptionId: 'a', attempt: 2, outcome: 'delivered', status: 200, durationMs: 40, attemptedAt: 2_000 }, 10_000);
    stats.add({ ...base, subscriptionId: 'b', attempt: 1, outcome: 'dead-letter', status: 400, durationMs: 40, attemptedAt: 3_000 }, 10_000);
    stats.add({ ...base, subscriptionId: 'b', attempt: 1, outcome: 'delivered', status: 200, durationMs: 40, attemptedAt: -100_000 }, 10_000);
    const tier = stats.tier(1, 10_000, 60_000);
    assert.equal(tier.attempts, 3, 'the attempt older than the span is ignored');
    assert.equal(tier.delivered, 1);
    assert.equal(tier.deadLettered, 1);
    assert.equal(tier.finished, 2);
    assert.equal(tier.retriesPerDelivery, 0.5);
    assert.ok(Math.abs(tier.successRate! - 1 / 3) < 1e-9);
    assert.ok(tier.attemptLatency.p50! > 0.025 && tier.attemptLatency.p50! <= 0.05);
    assert.ok(tier.endToEnd.p50! > 1 && tier.endToEnd.p50! <= 2.5, 'event time 1 ms → 2xx at 2.04 s');
    assert.deepEqual(stats.subscriptions(1, 10_000, 60_000).map((s) => [s.id, s.attempts, s.delivered]), [['a', 2, 1], ['b', 1, 0]]);
    assert.deepEqual(stats.failures(1, 10_000, 60_000), [{ kind: '400', count: 1 }, { kind: '500', count: 1 }]);
    assert.equal(stats.tier(1, 10_000, 7_500).attempts, 1, 'a shorter window (to one slot)');
    stats.prune(200_000);
    assert.deepEqual(stats.subscriptions(undefined, 200_000, 60_000), []);
  });

  it('topology: topic and group roles, queue lengths', () => {
    assert.deepEqual(classifyTopic('hr.tier1.retry.16s', 'hr'), { kind: 'retry', tier: 1, delayMs: 16_000 });
    assert.deepEqual(classifyTopic('hr.tier3', 'hr'), { kind: 'tier', tier: 3 });
    assert.deepEqual(classifyTopic('hr.dlq', 'hr'), { kind: 'dlq' });
    assert.deepEqual(classifyTopic('events', 'hr'), { kind: 'other' });
    assert.deepEqual(classifyGroup('hr-deliverer-tier2', 'hr'), { role: 'deliverer', tier: 2 });
    assert.deepEqual(classifyGroup('hr-router', 'hr'), { role: 'router' });
    const topics = new Map([
      ['hr.tier1', { start: new Map([[0, 0], [1, 5]]), end: new Map([[0, 10], [1, 20]]) }],
      ['hr.tier1.retry.1s', { start: new Map([[0, 0]]), end: new Map([[0, 4]]) }],
      ['hr.dlq', { start: new Map([[0, 2]]), end: new Map([[0, 9]]) }],
    ]);
    const lag = [{ group: 'hr-deliverer-tier1', topic: 'hr.tier1', partition: 0, committed: 7 }];
    const lengths = queueLengths(topics, lag, 'hr');
    // tier1: p0 10−7 = 3, p1 never committed 20−5 = 15; retry 4; dlq retained 7.
    assert.deepEqual(Object.fromEntries(lengths), { 'hr.tier1': 18, 'hr.tier1.retry.1s': 4, 'hr.dlq': 7 });
    assert.equal(tierQueueLength(lengths, 'hr', 1), 22);
  });
});
