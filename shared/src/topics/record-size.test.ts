import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryHeaders } from '../records/delivery.ts';
import { H } from '../records/headers.ts';
import { DELIVERY_RECORD_OVERHEAD_BYTES, HEADER_VALUE_BOUNDS, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, maxPayloadFor, RECORD_BATCH_HEADER_BYTES, recordBytes } from './record-size.ts';

describe('record sizes', () => {
  it('bounds every header a delivery record carries', () => {
    const headers = deliveryHeaders({
      deliveryId: 'msg_abcdefghijklmnopqrstuvwx',
      eventId: 'e',
      eventType: 't',
      subscriptionId: 's',
      tier: 1,
      attempt: 3,
      firstAttemptAt: 1,
      notBefore: 2,
      rung: 1,
      source: 'topic/0/1',
      eventTime: 1,
      contentType: 'application/json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      payload: Buffer.alloc(0),
    });
    for (const name of Object.keys(headers)) assert.ok(name in HEADER_VALUE_BOUNDS, `${name} has a bound`);
    for (const name of [H.error, H.status, H.errorDetail, H.lastAttemptAt, H.originalTopic, H.originalPartition, H.originalOffset]) assert.ok(name in HEADER_VALUE_BOUNDS, name);
  });

  it('a max-size payload with every header at its bound fits in the overhead', () => {
    const headers = Object.fromEntries(Object.entries(HEADER_VALUE_BOUNDS).map(([name, bytes]) => [name, 'x'.repeat(bytes)]));
    const payload = maxPayloadFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    const batch = RECORD_BATCH_HEADER_BYTES + recordBytes({ key: 'k'.repeat(128), value: Buffer.alloc(payload), headers });
    assert.ok(batch <= KAFKA_DEFAULT_MAX_MESSAGE_BYTES, `${batch} bytes`);
    assert.equal(DELIVERY_RECORD_OVERHEAD_BYTES, 7_168);
    assert.equal(payload, 1_041_420);
  });

  it('counts key, value and every header value', () => {
    assert.equal(recordBytes({ key: null, value: null }), 36);
    assert.equal(recordBytes({ key: 'ab', value: Buffer.alloc(10), headers: { h: ['x', 'yy'] } }), 36 + 2 + 10 + (10 + 1 + 1) + (10 + 1 + 2));
  });
});
