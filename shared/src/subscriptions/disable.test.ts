import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disabledId, disableKey, disableRecord, parseDisableState } from '../records/disable.ts';
import { MalformedRecord } from '../records/malformed.ts';
import { withDisableState } from './disable.ts';
import type { Subscription } from './subscription.ts';

const sub = { id: 'crm', source: 's', destination: 'd', url: 'https://x.example.com', eventTypes: ['*'], tier: 3, secrets: ['x'], enabled: true, maxInFlight: 1 } as Subscription;

describe('disable records', () => {
  it('live under their own key, never a subscription id', () => {
    assert.equal(disableKey('crm'), 'disabled:crm');
    assert.equal(disabledId('disabled:crm'), 'crm');
    assert.equal(disabledId('crm'), undefined);
    assert.equal(disabledId('flag:crm'), undefined);
    const record = disableRecord('hr.subscriptions', 'crm', { disabled: true, reason: 'r', at: '2026-01-01T00:00:00Z', by: 'monitor' });
    assert.deepEqual(record, { topic: 'hr.subscriptions', message: { key: 'disabled:crm', value: '{"disabled":true,"reason":"r","at":"2026-01-01T00:00:00Z","by":"monitor"}' } });
  });

  it('read back both states, and nothing else', () => {
    assert.deepEqual(parseDisableState(Buffer.from('{"disabled":true,"reason":"r","at":"t","by":"cli"}')), { disabled: true, reason: 'r', at: 't', by: 'cli' });
    assert.deepEqual(parseDisableState(Buffer.from('{"disabled":false,"at":"t","by":"cli"}')), { disabled: false, at: 't', by: 'cli' });
    for (const bad of ['nope', '{}', '{"disabled":true,"at":"t","by":"cli"}', '{"disabled":"yes","at":"t","by":"cli"}', 'null']) {
      assert.ok(parseDisableState(Buffer.from(bad)) instanceof MalformedRecord, bad);
    }
  });

  it('decide what the registry shows: disabled with who and why, or when it was enabled; the stored fields never', () => {
    const stored = { ...sub, disabled: { reason: 'written in a file', at: 'x', by: 'yaml' }, enabledAt: 'y' };
    assert.equal(withDisableState(sub, undefined), sub, 'no state: the same object, not a copy');
    assert.deepEqual(withDisableState(stored, undefined), sub);
    assert.deepEqual(withDisableState(stored, { disabled: true, reason: 'r', at: 't', by: 'monitor' }), { ...sub, disabled: { reason: 'r', at: 't', by: 'monitor' } });
    assert.deepEqual(withDisableState(stored, { disabled: false, at: 't2', by: 'cli' }), { ...sub, enabledAt: 't2' });
  });
});
