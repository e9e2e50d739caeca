import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenDeliveries } from './open-deliveries.ts';

describe('open deliveries: attempted, not ended', () => {
  it('a retry opens a delivery, its delivery or dead letter closes it', () => {
    const open = new OpenDeliveries();
    open.record('d1', 'orders', 'retry');
    open.record('d2', 'orders', 'retry');
    open.record('d1', 'orders', 'retry');
    open.record('d3', 'crm', 'delivered');
    assert.equal(open.of('orders'), 2);
    assert.equal(open.of('crm'), 0);
    open.record('d1', 'orders', 'delivered');
    open.record('d2', 'orders', 'dead-letter');
    assert.equal(open.of('orders'), 0);
  });

  it('forgets the oldest past its limit', () => {
    const open = new OpenDeliveries(2);
    open.record('d1', 'a', 'retry');
    open.record('d2', 'b', 'retry');
    open.record('d3', 'b', 'retry');
    assert.deepEqual([open.of('a'), open.of('b'), open.forgotten], [0, 2, 1]);
  });
});
