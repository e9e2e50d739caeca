import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryHeaders, parseDelivery, type Delivery } from './delivery.ts';
import { MalformedRecord } from './malformed.ts';
import { deliveryId } from '../delivery-id.ts';

describe('delivery records', () => {
  it('round-trips through headers', () => {
    const delivery: Delivery = {
      deliveryId: deliveryId('evt-1', 'sub-1'),
      eventId: 'evt-1',
      eventType: 'order.created',
      subscriptionId: 'sub-1',
      tier: 2,
      attempt: 3,
      firstAttemptAt: 1_000,
      notBefore: 5_000,
      rung: 2,
      source: 'shop/1/42',
      eventTime: 900,
      contentType: 'application/json',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      payload: Buffer.from('{"a":1}'),
    };
    const headers = Object.fromEntries(Object.entries(deliveryHeaders(delivery)).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(parseDelivery(headers, delivery.payload), delivery);
  });

  it('delivery ids are stable and differ per subscription', () => {
    assert.equal(deliveryId('e', 's'), deliveryId('e', 's'));
    assert.notEqual(deliveryId('e', 's1'), deliveryId('e', 's2'));
    assert.notEqual(deliveryId('ab', 'c'), deliveryId('a', 'bc'), 'the separator keeps the parts apart');
    assert.match(deliveryId('e', 's'), /^msg_[A-Za-z0-9_-]{24}$/);
  });

  it('says what is missing from a record that is not a delivery', () => {
    const missing = parseDelivery({}, Buffer.from('x'));
    assert.ok(missing instanceof MalformedRecord);
    assert.match(missing.problem, /^missing headers hookrail-delivery-id, hookrail-event-id/);
    assert.match(
      String(parseDelivery({ 'hookrail-delivery-id': 'd', 'hookrail-event-id': 'e', 'hookrail-event-type': 't', 'hookrail-subscription-id': 's', 'hookrail-tier': '7' }, Buffer.from('x'))),
      /bad hookrail-tier "7"/,
    );
  });
});
