import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedStateOf } from './shared-breakers.ts';

describe('breaker records shared between instances', () => {
  it("an instance ignores its own records and openings already over; adopts the others'", () => {
    assert.equal(sharedStateOf({ state: 'open', until: 5_000, by: 'me', at: 0 }, 'me', 1_000), undefined);
    assert.equal(sharedStateOf({ state: 'open', until: 5_000, by: 'other', at: 0 }, 'me', 6_000), undefined);
    assert.deepEqual(sharedStateOf({ state: 'open', until: 5_000, by: 'other', at: 0 }, 'me', 1_000), { state: 'open', until: 5_000 });
    assert.deepEqual(sharedStateOf({ state: 'closed', by: 'other', at: 0 }, 'me', 1_000), { state: 'closed' });
  });
});
