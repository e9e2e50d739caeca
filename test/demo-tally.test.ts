import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTally, tallyTable } from '../scripts/demo/tally.ts';

describe('the demo tally', () => {
  it('counts each event once by its latest outcome, and the rest as pending', () => {
    const tally = createTally();
    tally.record({ subscriptionId: 'crm', deliveryId: 'a', outcome: 'retry' });
    tally.record({ subscriptionId: 'crm', deliveryId: 'a', outcome: 'retry' });
    tally.record({ subscriptionId: 'crm', deliveryId: 'a', outcome: 'delivered' });
    tally.record({ subscriptionId: 'crm', deliveryId: 'b', outcome: 'retry' });
    tally.record({ subscriptionId: 'crm', deliveryId: 'c', outcome: 'dead-letter' });
    tally.record({ subscriptionId: 'other', deliveryId: 'd', outcome: 'delivered' });
    assert.deepEqual(tally.counts('crm', 5), { delivered: 1, retrying: 1, deadLettered: 1, pending: 2 });
    assert.deepEqual(tally.counts('nobody', 2), { delivered: 0, retrying: 0, deadLettered: 0, pending: 2 });
  });

  it('never counts a delivered event as failed again', () => {
    const tally = createTally();
    tally.record({ subscriptionId: 's', deliveryId: 'a', outcome: 'delivered' });
    tally.record({ subscriptionId: 's', deliveryId: 'a', outcome: 'dead-letter' });
    assert.equal(tally.counts('s', 1).delivered, 1);
  });

  it('prints a header row above the rows', () => {
    const [header, row] = tallyTable([{ id: 'warehouse', tier: 1, receiver: 'healthy', counts: { delivered: 3, retrying: 0, deadLettered: 0, pending: 1 } }]);
    assert.match(header!, /^subscription\s+tier\s+receiver\s+delivered\s+retrying\s+dead-letter\s+pending$/);
    assert.match(row!, /^warehouse\s+1\s+healthy\s+3\s+0\s+0\s+1$/);
  });
});
