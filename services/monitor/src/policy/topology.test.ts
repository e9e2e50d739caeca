import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicNames } from '@hookrail/shared';
import { alertsSchema } from '../config.ts';
import { evaluateRules, type Signals } from './alert-rules.ts';
import { classifyTopic, queueLengths, tierQueueLength } from './topology.ts';

const t = topicNames('hr');
const offsets = (end: number, start = 0) => ({ start: new Map([[0, start]]), end: new Map([[0, end]]) });

describe('the monitor and the parking topics', () => {
  it('classifies a parking topic as a queue of its tier, the parked state as state', () => {
    assert.deepEqual(classifyTopic(t.parked(2), 'hr'), { kind: 'parked', tier: 2 });
    assert.deepEqual(classifyTopic(t.parkedState(2), 'hr'), { kind: 'parked-state', tier: 2 });
    assert.deepEqual(classifyTopic(t.overflow(1), 'hr'), { kind: 'overflow', tier: 1 });
  });

  it("counts parked deliveries in the tier's queue (what its deliverer has not consumed); state topics are no queue", () => {
    const topics = new Map([
      [t.tier(1), offsets(10)],
      [t.parked(1), offsets(30, 5)],
      [t.parkedState(1), offsets(50)],
      [t.backfills, offsets(4)],
      [t.dlqReplayed, offsets(3)],
      [t.parked(2), offsets(8)],
    ]);
    const lag = [
      { group: 'hr-deliverer-tier1', topic: t.tier(1), partition: 0, committed: 10 },
      { group: 'hr-deliverer-tier1', topic: t.parked(1), partition: 0, committed: 12 },
    ];
    const lengths = queueLengths(topics, lag, 'hr');
    assert.deepEqual(Object.fromEntries(lengths), { [t.tier(1)]: 0, [t.parked(1)]: 18, [t.parked(2)]: 8 });
    assert.equal(tierQueueLength(lengths, 'hr', 1), 18);
    assert.equal(tierQueueLength(lengths, 'hr', 2), 8);
  });

  it('fires the queue-length alert on parked deliveries', () => {
    const alerts = alertsSchema.parse({ queueLength: { forMs: 0, threshold: { 1: 10 } } });
    const tiers = { 1: { slo: 0.999 }, 2: { slo: 0.999 }, 3: { slo: 0.99 } };
    const lengths = queueLengths(new Map([[t.parked(1), offsets(25)]]), [], 'hr');
    const none = { attempts: 0, delivered: 0, deadLettered: 0 };
    const signals: Signals = { now: 0, tier: () => none, subscriptions: () => [], queueLength: (tier) => tierQueueLength(lengths, 'hr', tier), groups: [] };
    const queue = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals).find((r) => r.kind === 'queueLength' && r.impactTier === 1)!;
    assert.deepEqual([queue.value, queue.threshold], [25, 10], 'above its threshold: the engine fires it');
    assert.match(queue.description, /hr\.tier1, its retry topics and its parking topic/);
  });
});
