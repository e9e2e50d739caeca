import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseConfigSchema, H, headerString, MalformedRecord, parseDelivery, topicNames, type Delivery } from '@hookrail/shared';
import { internalFailure, type AttemptDependencies } from './attempt.ts';

const topics = topicNames('t');
const deps = {
  config: baseConfigSchema.parse({ kafka: { brokers: ['127.0.0.1:9092'] } }),
  topics,
  now: () => 1_000,
} as unknown as AttemptDependencies;

const delivery: Delivery = {
  deliveryId: 'msg_1',
  eventId: 'e-1',
  eventType: 'order.created',
  subscriptionId: 'warehouse',
  tier: 2,
  attempt: 1,
  firstAttemptAt: 500,
  notBefore: 900,
  rung: 0,
  source: 'src/0/7',
  eventTime: 400,
  contentType: 'application/json',
  payload: Buffer.from('{"id":"e-1"}'),
};
const origin = { topic: 't.tier2.retry.1s', partition: 3, offset: '42' };

describe('internalFailure (an attempt that threw)', () => {
  const outcome = internalFailure(delivery, origin, new Error('boom'), deps);
  const dlq = outcome.records.find((r) => r.topic === topics.dlq)!;

  it('dead-letters the delivery with hookrail-error internal and the detail, replayable as a delivery', () => {
    const headers = dlq.message.headers as Record<string, string>;
    assert.equal(headerString(headers, H.error), 'internal');
    assert.match(headerString(headers, H.errorDetail)!, /boom/);
    assert.equal(headerString(headers, H.originalOffset), '42');
    assert.equal(headerString(headers, H.notBefore), undefined, 'a dead letter is not waiting for a time');
    const parsed = parseDelivery(headers, dlq.message.value as Buffer);
    assert.ok(!(parsed instanceof MalformedRecord), `still a delivery record: ${String(parsed)}`);
    assert.equal(parsed.deliveryId, 'msg_1');
  });

  it('logs the outcome as a dead letter without an HTTP request', () => {
    assert.equal(outcome.entry.outcome, 'dead-letter');
    assert.equal(outcome.entry.http, false);
    assert.equal(outcome.entry.errorClass, 'internal');
    assert.ok(outcome.records.some((r) => r.topic === topics.attempts));
  });
});
