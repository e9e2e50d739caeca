import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonMediaType, isStructuredMode } from './cloudevents.ts';
import { createDecoder } from './decoder.ts';
import { kafkaRecord } from '../../test/records.ts';
import type { InvalidReason } from './types.ts';
import { assertEvent, assertInvalid } from '../../test/assertions.ts';

const ceHeaders = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const headers: Record<string, string | undefined> = {
    ce_specversion: '1.0',
    ce_id: 'ce-123',
    ce_type: 'com.example.order.created',
    ce_source: '/shop/orders',
    ce_time: '2024-05-01T10:00:00Z',
    'content-type': 'application/json',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

describe('CloudEvents binary mode (ce_* headers)', () => {
  const decoder = createDecoder({ idPath: 'nope', typePath: 'nope' }); // paths do not apply to CloudEvents

  it('takes id, type and time from the headers and POSTs the data', async () => {
    const data = '{"orderId":"o-1","total":12.5}';
    const result = await decoder.decode(await kafkaRecord({ value: data, headers: ceHeaders() }, { topic: 'orders', partition: 0, firstOffset: '7' }));
    assertEvent(result);
    assert.deepEqual({ ...result, payload: result.payload.toString() }, {
      id: 'ce-123',
      type: 'com.example.order.created',
      time: Date.UTC(2024, 4, 1, 10),
      payload: data,
      contentType: 'application/json',
      format: 'cloudevents-binary',
      source: 'orders/0/7',
    });
  });

  it('uses the record time without ce_time, accepts JSON-ish content types and a missing content-type', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/vnd.shop+json', 'text/json', undefined]) {
      const result = await decoder.decode(
        await kafkaRecord({ value: '[1,2]', headers: ceHeaders({ ce_time: undefined, 'content-type': contentType }), timestamp: 1_700_000_000_999 }),
      );
      assertEvent(result);
      assert.equal(result.time, 1_700_000_000_999);
      assert.equal(result.payload.toString(), '[1,2]'); // data need not be an object
    }
  });

  it('names the missing attribute', async () => {
    for (const name of ['ce_id', 'ce_type', 'ce_source']) {
      const result = await decoder.decode(await kafkaRecord({ value: '{}', headers: ceHeaders({ [name]: undefined }) }));
      assertInvalid(result, 'invalid-cloudevent', new RegExp(`missing the required header ${name}$`));
    }
  });

  it('rejects other spec versions, bad times, empty and oversized attributes', async () => {
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{}', headers: ceHeaders({ ce_specversion: '0.3' }) })), 'invalid-cloudevent', /"0.3"; only "1.0"/);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{}', headers: ceHeaders({ ce_time: 'yesterday' }) })), 'invalid-cloudevent', /ce_time "yesterday" is not an RFC 3339/);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{}', headers: ceHeaders({ ce_id: '' }) })), 'invalid-cloudevent', /ce_id is an empty string/);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{}', headers: ceHeaders({ ce_type: 't'.repeat(300) }) })), 'invalid-cloudevent', /300 characters/);
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: '{}', headers: { ...ceHeaders(), ce_id: Buffer.from([0xfe]) as unknown as string } })),
      'invalid-cloudevent',
      /"ce_id" is not valid UTF-8/,
    );
  });

  it('refuses data it cannot POST as JSON', async () => {
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: '<order/>', headers: ceHeaders({ 'content-type': 'application/xml' }) })),
      'undecodable',
      /content-type "application\/xml"; only JSON data/,
    );
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{oops', headers: ceHeaders() })), 'invalid-json', /CloudEvent data is not valid JSON/);
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: Buffer.from([0, 0, 0, 0, 9, 2]), headers: ceHeaders({ 'content-type': 'application/avro' }) })),
      'undecodable',
      /Confluent-framed payload \(schema id 9\) but no schema registry/,
    );
  });
});

describe('CloudEvents structured mode (application/cloudevents+json)', () => {
  const decoder = createDecoder();
  const envelope = {
    specversion: '1.0',
    id: 'A234-1234-1234',
    source: 'https://github.com/cloudevents/spec/pull',
    type: 'com.github.pull_request.opened',
    time: '2018-04-05T17:31:00Z',
    datacontenttype: 'application/json',
    data: { number: 123 },
  };

  it('takes attributes from the envelope and POSTs the whole envelope', async () => {
    const value = JSON.stringify(envelope);
    const result = await decoder.decode(await kafkaRecord({ value, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } }));
    assertEvent(result);
    assert.deepEqual({ ...result, payload: result.payload.toString() }, {
      id: 'A234-1234-1234',
      type: 'com.github.pull_request.opened',
      time: Date.UTC(2018, 3, 5, 17, 31),
      payload: value,
      contentType: 'application/cloudevents+json',
      format: 'cloudevents-structured',
      source: 'crm.events/3/41',
    });
  });

  it('wins over ce_* headers and over any configured id/type paths', async () => {
    const custom = createDecoder({ idPath: 'data.number', typeHeader: 'x-type' });
    const result = await custom.decode(
      await kafkaRecord({ value: envelope, headers: { 'Content-Type': 'application/cloudevents+json', ce_specversion: '1.0', 'x-type': 'other' } }),
    );
    assertEvent(result);
    assert.deepEqual([result.id, result.type, result.format], ['A234-1234-1234', 'com.github.pull_request.opened', 'cloudevents-structured']);
  });

  it('uses the record time without a time attribute', async () => {
    const { time: _time, ...noTime } = envelope;
    const result = await decoder.decode(await kafkaRecord({ value: noTime, headers: { 'content-type': 'application/cloudevents+json' }, timestamp: 1_600_000_000_000 }));
    assertEvent(result);
    assert.equal(result.time, 1_600_000_000_000);
  });

  it('validates the envelope', async () => {
    const headers = { 'content-type': 'application/cloudevents+json' };
    const cases: [object | string, RegExp, InvalidReason?][] = [
      [{ ...envelope, specversion: undefined }, /missing the required attribute 'specversion'/],
      [{ ...envelope, specversion: '0.3' }, /specversion "0.3"; only "1.0"/],
      [{ ...envelope, id: undefined }, /missing the required attribute 'id'/],
      [{ ...envelope, type: undefined }, /missing the required attribute 'type'/],
      [{ ...envelope, source: undefined }, /missing the required attribute 'source'/],
      [{ ...envelope, id: 17 }, /attribute 'id' is a number, expected a string/],
      [{ ...envelope, type: '' }, /attribute 'type' is an empty string/],
      [{ ...envelope, source: '' }, /'source' must be a non-empty string/],
      [{ ...envelope, time: '2018-04-05' }, /attribute 'time' "2018-04-05" is not an RFC 3339/],
      [{ ...envelope, data_base64: 'AAE=' }, /both 'data' and 'data_base64'/],
      [[envelope], /is an array, expected a JSON object/, 'not-an-object'],
      ['{"specversion":', /structured CloudEvent is not valid JSON/, 'invalid-json'],
    ];
    for (const [value, detail, reason] of cases) {
      assertInvalid(await decoder.decode(await kafkaRecord({ value, headers })), reason ?? 'invalid-cloudevent', detail);
    }
  });

  it('refuses batches and non-JSON event formats', async () => {
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: [envelope], headers: { 'content-type': 'application/cloudevents-batch+json' } })),
      'undecodable',
      /batched CloudEvents are not supported/,
    );
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: 'x', headers: { 'content-type': 'application/cloudevents+avro' } })),
      'undecodable',
      /only the JSON event format/,
    );
  });
});

describe('content types', () => {
  it('recognise JSON media types and structured mode', () => {
    assert.ok(isJsonMediaType('application/json'));
    assert.ok(isJsonMediaType('Application/JSON; charset=utf-8'));
    assert.ok(isJsonMediaType('application/problem+json'));
    assert.ok(!isJsonMediaType('application/jsonp'));
    assert.ok(!isJsonMediaType('text/plain'));
    assert.ok(isStructuredMode('application/cloudevents+json'));
    assert.ok(!isStructuredMode('application/json'));
    assert.ok(!isStructuredMode(undefined));
  });
});
