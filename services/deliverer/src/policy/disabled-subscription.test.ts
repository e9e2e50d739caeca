import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Subscription } from '@hookrail/shared';
import { heldByDisable, disabledDetail } from './disabled-subscription.ts';

const base = { id: 'crm', source: 's', destination: 'd', url: 'https://x.example.com', eventTypes: ['*'], tier: 3, secrets: ['x'], enabled: true, maxInFlight: 1 } as Subscription;
const disabled = { ...base, disabled: { reason: 'failed continuously for 24h', at: '2026-01-01T00:00:00.000Z', by: 'monitor' } };

describe('parked deliveries (disabled subscriptions)', () => {
  it('attempts deliveries of a subscription that is not disabled', () => {
    assert.equal(heldByDisable(base, {}), false);
  });

  it('holds back deliveries of a disabled subscription', () => {
    assert.equal(heldByDisable(disabled, {}), true);
  });

  it('attempts a delivery replayed by an enable made after the disable, even before the view shows the enable', () => {
    assert.equal(heldByDisable(disabled, { enabledAt: Date.parse('2026-01-01T00:00:01Z') }), false);
  });

  it('holds back a replayed delivery when the subscription was disabled again after that enable', () => {
    assert.equal(heldByDisable(disabled, { enabledAt: Date.parse('2025-12-31T23:00:00Z') }), true);
  });

  it('says who disabled it, why, and the command that enables it and replays', () => {
    assert.equal(
      disabledDetail(disabled),
      'subscription crm was disabled by monitor at 2026-01-01T00:00:00.000Z: failed continuously for 24h; "hookrail subscriptions enable crm --replay-since 2026-01-01T00:00:00.000Z" turns it back on and replays these',
    );
  });
});
