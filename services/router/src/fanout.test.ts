import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMatchIndex, H, headerString, parseSubscription, topicNames } from '@hookrail/shared';
import { fanOut, w3cTraceparent } from './fanout.ts';

describe('fan-out trace context', () => {
  it('passes a W3C traceparent on, and nothing else (the header stays within its size bound)', () => {
    const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal(w3cTraceparent(valid), valid);
    assert.equal(w3cTraceparent(` ${valid} `), valid);
    assert.equal(w3cTraceparent(undefined), undefined);
    assert.equal(w3cTraceparent('x'.repeat(100_000)), undefined);
    assert.equal(w3cTraceparent(`${valid}-extra`), undefined);
  });
});

describe('fan-out to ordered subscriptions', () => {
  const secrets = [`whsec_${Buffer.alloc(32, 1).toString('base64')}`];
  const base = { source: 's', destination: 'd', url: 'https://x.example.com', eventTypes: ['*'], tier: 1, secrets };
  const event = {
    id: 'e-1',
    type: 'order.paid',
    time: 1,
    payload: Buffer.from('{"customer":{"id":"c-9"}}'),
    contentType: 'application/json',
    format: 'json' as const,
    source: 'shop/0/7',
  };
  const record = { topic: 'shop', partition: 0, offset: '7', key: null, value: event.payload, headers: { 'partition-key': Buffer.from('pk-3') }, timestamp: '1' };

  it('carries the ordering key in a header, from a JSON path or a source header, and none for other subscriptions', () => {
    const subscriptions = [
      parseSubscription({ ...base, id: 'by-path', ordered: { key: '$.customer.id' } }),
      parseSubscription({ ...base, id: 'by-header', ordered: { key: 'header:partition-key' } }),
      parseSubscription({ ...base, id: 'unordered' }),
    ];
    const keys = Object.fromEntries(
      fanOut(event, record, createMatchIndex(subscriptions), topicNames('t')).map((r) => [r.message.key, headerString(r.message.headers, H.orderKey)]),
    );
    assert.deepEqual(keys, { 'by-path': 'c-9', 'by-header': 'pk-3', unordered: undefined });
  });
});
