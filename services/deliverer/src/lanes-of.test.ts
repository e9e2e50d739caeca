import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lanesOf } from './lanes-of.ts';

describe('the lanes a deliverer runs', () => {
  it('runs a backfill lane beside each tier it serves', () => {
    assert.deepEqual(lanesOf({ tiers: [1, 3], backfillLanes: true }), [
      { tier: 1, backfill: false },
      { tier: 1, backfill: true },
      { tier: 3, backfill: false },
      { tier: 3, backfill: true },
    ]);
  });
  it('runs only the live lanes when backfill lanes are turned off', () => {
    assert.deepEqual(lanesOf({ tiers: [2], backfillLanes: false }), [{ tier: 2, backfill: false }]);
  });
});
