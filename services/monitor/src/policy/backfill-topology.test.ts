import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyGroup, classifyTopic, queueLengths, tierQueueLength } from './topology.ts';

describe('the monitor and backfills', () => {
  it('knows the backfill topics and the deliverer\'s backfill lanes', () => {
    assert.deepEqual(classifyTopic('hr.tier2.backfill', 'hr'), { kind: 'backfill', tier: 2 });
    assert.deepEqual(classifyGroup('hr-deliverer-tier2-backfill', 'hr'), { role: 'backfill', tier: 2 });
    assert.deepEqual(classifyGroup('hr-deliverer-tier2', 'hr'), { role: 'deliverer', tier: 2 });
  });

  it('measures a backfill queue by its lane\'s commits, apart from the tier\'s live queue', () => {
    const topics = new Map([
      ['hr.tier2', { start: new Map([[0, 0]]), end: new Map([[0, 10]]) }],
      ['hr.tier2.backfill', { start: new Map([[0, 0]]), end: new Map([[0, 500]]) }],
    ]);
    const lag = [
      { group: 'hr-deliverer-tier2', topic: 'hr.tier2', partition: 0, committed: 10 },
      { group: 'hr-deliverer-tier2-backfill', topic: 'hr.tier2.backfill', partition: 0, committed: 200 },
    ];
    const lengths = queueLengths(topics, lag, 'hr');
    assert.equal(lengths.get('hr.tier2.backfill'), 300);
    assert.equal(tierQueueLength(lengths, 'hr', 2), 0, 'a backfill never counts as the live tier\'s queue (no queue alert)');
  });
});
