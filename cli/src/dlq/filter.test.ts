import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H } from '@hookrail/shared';
import type { DeadLetter } from './dead-letter.ts';
import { matchesFilter } from './filter.ts';

const letter = (headers: Record<string, string>, at = 1_000): DeadLetter => ({
  partition: 0,
  offset: '7',
  key: '0/7',
  headers: { [H.subscriptionId]: 'billing', [H.eventType]: 'invoice.paid', [H.error]: 'permanent', [H.status]: '422', [H.deliveryId]: 'd-1', ...headers },
  payload: Buffer.from('{}'),
  delivery: 'not parsed here',
  at,
});

describe('matchesFilter', () => {
  it('matches everything when no filter is given', () => {
    assert.ok(matchesFilter(letter({}), {}));
  });

  it('matches any of the values given for one field', () => {
    assert.ok(matchesFilter(letter({}), { subscription: ['crm', 'billing'] }));
    assert.ok(!matchesFilter(letter({}), { subscription: ['crm'] }));
    assert.ok(matchesFilter(letter({}), { status: [500, 422] }));
    assert.ok(!matchesFilter(letter({}), { status: [500] }));
    assert.ok(matchesFilter(letter({}), { deliveryId: ['d-1'] }));
    assert.ok(!matchesFilter(letter({}), { error: ['exhausted'] }));
  });

  it('matches event types by the subscription patterns', () => {
    assert.ok(matchesFilter(letter({}), { eventType: ['invoice.*'] }));
    assert.ok(matchesFilter(letter({}), { eventType: ['*'] }));
    assert.ok(!matchesFilter(letter({}), { eventType: ['order.*'] }));
  });

  it('needs every field given to match, and a time range is from inclusive to exclusive', () => {
    assert.ok(!matchesFilter(letter({}), { subscription: ['billing'], error: ['gone'] }));
    assert.ok(matchesFilter(letter({}, 1_000), { since: 1_000, until: 2_000 }));
    assert.ok(!matchesFilter(letter({}, 2_000), { since: 1_000, until: 2_000 }));
    assert.ok(!matchesFilter(letter({}, 999), { since: 1_000 }));
  });

  it('does not match a status filter when the letter has no HTTP status', () => {
    const noStatus = letter({});
    delete noStatus.headers[H.status];
    assert.ok(!matchesFilter(noStatus, { status: [422] }));
  });
});
