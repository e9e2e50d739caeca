import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBreakerRecord, parseBreakerRecord, sharedStateOf } from './shared-breakers.ts';

describe('breaker records shared between instances', () => {
  it('round-trip, and anything else is not one', () => {
    const open = { state: 'open' as const, until: 31_000, by: 'd-1', at: 1_000 };
    assert.deepEqual(parseBreakerRecord(encodeBreakerRecord(open)), open);
    assert.deepEqual(parseBreakerRecord(encodeBreakerRecord({ state: 'closed', by: 'd-1', at: 2_000 })), { state: 'closed', by: 'd-1', at: 2_000 });
    for (const bad of [undefined, 'x', '1', '{}', '{"state":"open","by":"d","at":1}', '{"state":"half-open","by":"d","at":1}']) {
      assert.equal(parseBreakerRecord(bad), undefined, String(bad));
    }
  });

  it("an instance ignores its own records and openings already over; adopts the others'", () => {
    assert.equal(sharedStateOf({ state: 'open', until: 5_000, by: 'me', at: 0 }, 'me', 1_000), undefined);
    assert.equal(sharedStateOf({ state: 'open', until: 5_000, by: 'other', at: 0 }, 'me', 6_000), undefined);
    assert.deepEqual(sharedStateOf({ state: 'open', until: 5_000, by: 'other', at: 0 }, 'me', 1_000), { state: 'open', until: 5_000 });
    assert.deepEqual(sharedStateOf({ state: 'closed', by: 'other', at: 0 }, 'me', 1_000), { state: 'closed' });
  });
});
