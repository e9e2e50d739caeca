import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TIERS } from '../config/base.ts';
import { RETRY_LADDER } from '../retry-ladder.ts';
import { classifyTopicName, topicNameOf, topicNames, type TopicKind } from './names.ts';

const tier = fc.constantFrom(...TIERS);
const kind: fc.Arbitrary<TopicKind> = fc.oneof(
  fc.constantFrom(...(['subscriptions', 'dlq', 'dlq-replayed', 'attempts', 'invalid', 'alerts', 'backfills', 'breakers'] as const)).map((k) => ({ kind: k })),
  fc.record({ kind: fc.constantFrom(...(['tier', 'backfill', 'parked', 'parked-state', 'overflow'] as const)), tier }, { noNullPrototype: true }),
  fc.record(
    { kind: fc.constant('retry' as const), tier, rung: fc.integer({ min: 1, max: 1 << 20 }).map((s) => ({ name: `${s}s`, delayMs: s * 1_000 })) },
    { noNullPrototype: true },
  ),
);
/** Kafka topic names: [a-zA-Z0-9._-], so is a prefix. */
const prefix = fc.stringMatching(/^[a-zA-Z0-9._-]{1,40}$/);

describe('topic names', () => {
  it('classify(build(x)) = x for every kind, whatever the prefix', () => {
    fc.assert(fc.property(prefix, kind, (p, k) => assert.deepEqual(classifyTopicName(p, topicNameOf(p, k)), k)), { numRuns: 2_000 });
  });

  it('are what they always were', () => {
    const names = topicNames('hr');
    assert.deepEqual(
      [names.subscriptions, names.dlq, names.dlqReplayed, names.attempts, names.invalid, names.alerts, names.backfills, names.breakers],
      ['hr.subscriptions', 'hr.dlq', 'hr.dlq.replayed', 'hr.attempts', 'hr.invalid', 'hr.alerts', 'hr.backfills', 'hr.breakers'],
    );
    assert.deepEqual(
      [names.tier(1), names.retry(2, RETRY_LADDER[2]!), names.backfill(3), names.parked(1), names.parkedState(2), names.overflow(3)],
      ['hr.tier1', 'hr.tier2.retry.16s', 'hr.tier3.backfill', 'hr.tier1.parked', 'hr.tier2.parked-state', 'hr.tier3.overflow'],
    );
  });

  it('classify nothing else as a hookrail topic', () => {
    for (const name of ['events', 'hr', 'hr.', 'hrx.dlq', 'other.dlq', 'hr.tier4', 'hr.tier1.retry.0s', 'hr.tier1.retry.016s', 'hr.tier1.retry.s', 'hr.tier1.parked.x', 'hr.dlq.other', 'hr.shop.events']) {
      assert.equal(classifyTopicName('hr', name), undefined, name);
    }
  });
});
