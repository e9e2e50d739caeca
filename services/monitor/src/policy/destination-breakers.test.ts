import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptEntry } from '@hookrail/shared';
import { DestinationBreakers } from './destination-breakers.ts';

const entry = (at: number, state: 'closed' | 'open' | 'half-open', subscriptionId = 'a', tier: 1 | 2 | 3 = 1): AttemptEntry => ({
  deliveryId: `d${at}`,
  subscriptionId,
  tier,
  attempt: 1,
  outcome: state === 'closed' ? 'delivered' : 'retry',
  http: state !== 'open',
  durationMs: 5,
  attemptedAt: at,
  eventTime: at,
  firstAttemptAt: at,
  breaker: { destination: 'https://r.example', state, limit: state === 'closed' ? 16 : 2 },
});

describe('destination breakers (monitor)', () => {
  it('shows the latest state each destination reported, with its subscriptions and tiers', () => {
    const breakers = new DestinationBreakers(60_000);
    breakers.record(entry(1_000, 'closed', 'a', 1));
    breakers.record(entry(2_000, 'open', 'b', 3));
    const [d] = breakers.list(3_000);
    assert.equal(d!.breaker, 'open');
    assert.equal(d!.inFlightLimit, 2);
    assert.equal(d!.openedAt, new Date(2_000).toISOString());
    assert.deepEqual(d!.subscriptions, ['a', 'b']);
    assert.deepEqual(d!.tiers, [1, 3]);
  });

  it('an older report (another partition, a replay) does not undo a newer one', () => {
    const breakers = new DestinationBreakers(60_000);
    breakers.record(entry(2_000, 'open'));
    breakers.record(entry(1_000, 'closed'));
    assert.equal(breakers.list(3_000)[0]!.breaker, 'open');
  });

  it('keeps the time it opened through half-open, clears it once closed', () => {
    const breakers = new DestinationBreakers(60_000);
    breakers.record(entry(1_000, 'open'));
    breakers.record(entry(2_000, 'half-open'));
    assert.equal(breakers.list(2_000)[0]!.openedAt, new Date(1_000).toISOString());
    breakers.record(entry(3_000, 'closed'));
    assert.equal(breakers.list(3_000)[0]!.openedAt, null);
  });

  it('names, per tier, the destinations not closed and that tier\'s subscriptions sending there', () => {
    const breakers = new DestinationBreakers(60_000);
    breakers.record(entry(1_000, 'open', 'a', 1));
    breakers.record(entry(1_000, 'open', 'b', 3));
    assert.deepEqual(breakers.notClosed(3, 2_000), [{ destination: 'https://r.example', breaker: 'open', subscriptions: ['b'] }]);
    assert.deepEqual(breakers.notClosed(2, 2_000), []);
    breakers.record(entry(3_000, 'closed', 'a', 1));
    assert.deepEqual(breakers.notClosed(1, 3_000), []);
  });

  it('forgets a destination that reported nothing for the stale time', () => {
    const breakers = new DestinationBreakers(60_000);
    breakers.record(entry(1_000, 'open'));
    assert.equal(breakers.list(61_000).length, 1);
    assert.equal(breakers.list(61_001).length, 0);
  });
});
