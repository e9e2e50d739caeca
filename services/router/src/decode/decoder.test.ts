import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDecoder } from './decoder.ts';
import { kafkaRecord, kafkaRecords } from '../../test/records.ts';
import { assertEvent, assertInvalid } from '../../test/assertions.ts';

describe('plain JSON events', () => {
  const decoder = createDecoder();

  it('takes id, type and time from the default paths and POSTs the value unchanged', async () => {
    const value = '{"id":"evt_1","type":"order.created","time":"2024-05-01T10:00:00Z","amount":12345678901234567890}';
    const record = await kafkaRecord({ value }, { topic: 'shop.orders', partition: 2, firstOffset: '1000' });
    const result = await decoder.decode(record);
    assertEvent(result);
    assert.deepEqual({ ...result, payload: result.payload.toString('utf8') }, {
      id: 'evt_1',
      type: 'order.created',
      time: Date.UTC(2024, 4, 1, 10),
      payload: value, // big numbers and key order exactly as produced
      contentType: 'application/json',
      format: 'json',
      source: 'shop.orders/2/1000',
    });
  });

  it('turns a numeric id into a string', async () => {
    const result = await decoder.decode(await kafkaRecord({ value: { id: 42, type: 't' } }));
    assertEvent(result);
    assert.equal(result.id, '42');
  });

  it('derives a stable id from topic, partition and offset when the event has none', async () => {
    const records = await kafkaRecords([{ value: { type: 'a' } }, { value: { type: 'b', id: null } }], { topic: 'crm', partition: 7, firstOffset: '900' });
    const ids = [];
    for (const record of records) {
      const result = await decoder.decode(record);
      assertEvent(result);
      ids.push(result.id);
    }
    assert.deepEqual(ids, ['crm-7-900', 'crm-7-901']);
    const again = await createDecoder().decode(records[0]!);
    assertEvent(again);
    assert.equal(again.id, 'crm-7-900');
  });

  it('reads id, type and time from configured paths', async () => {
    const custom = createDecoder({ idPath: 'meta.eventId', typePath: 'meta.kind', timePath: 'meta.at' });
    const result = await custom.decode(await kafkaRecord({ value: { meta: { eventId: 'm-1', kind: 'contact.updated', at: 1714557600000 }, id: 'ignored', type: 'ignored' } }));
    assertEvent(result);
    assert.deepEqual([result.id, result.type, result.time], ['m-1', 'contact.updated', 1714557600000]);
  });

  it('prefers the id and type headers over the payload, and falls back when a header is absent or empty', async () => {
    const custom = createDecoder({ idHeader: 'x-event-id', typeHeader: 'x-event-type' });
    const fromHeaders = await custom.decode(
      await kafkaRecord({ value: { id: 'payload-id', type: 'payload.type' }, headers: { 'x-event-id': 'hdr-id', 'X-Event-Type': 'hdr.type' } }),
    );
    assertEvent(fromHeaders);
    assert.deepEqual([fromHeaders.id, fromHeaders.type], ['hdr-id', 'hdr.type']);

    const fallback = await custom.decode(await kafkaRecord({ value: { id: 'payload-id', type: 'payload.type' }, headers: { 'x-event-id': '' } }));
    assertEvent(fallback);
    assert.deepEqual([fallback.id, fallback.type], ['payload-id', 'payload.type']);

    const headerOnly = await custom.decode(await kafkaRecord({ value: { data: 1 }, headers: { 'x-event-type': 'only.header' } }));
    assertEvent(headerOnly);
    assert.equal(headerOnly.type, 'only.header');
    assert.equal(headerOnly.id, 'crm.events-3-41');
  });

  it('uses the record timestamp when the payload time is absent or unparseable', async () => {
    for (const time of [undefined, 'yesterday', { at: 1 }, '2024-02-30T00:00:00Z']) {
      const result = await decoder.decode(await kafkaRecord({ value: { type: 't', time }, timestamp: 1_700_000_123_456 }));
      assertEvent(result);
      assert.equal(result.time, 1_700_000_123_456, String(time));
    }
    const offset = await decoder.decode(await kafkaRecord({ value: { type: 't', time: '2024-05-01T12:00:00.250+02:00' } }));
    assertEvent(offset);
    assert.equal(offset.time, Date.UTC(2024, 4, 1, 10, 0, 0, 250));
  });

  it('accepts a UTF-8 byte-order mark and drops it from the payload', async () => {
    const value = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"type":"t"}')]);
    const result = await decoder.decode(await kafkaRecord({ value }));
    assertEvent(result);
    assert.equal(result.payload.toString('utf8'), '{"type":"t"}');
  });
});

describe('invalid records', () => {
  const decoder = createDecoder({ maxPayloadBytes: 64 });

  it('empty: a null value (tombstone) or zero bytes', async () => {
    assertInvalid(await decoder.decode(await kafkaRecord({ value: null, key: 'k' })), 'empty', /null/);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: Buffer.alloc(0) })), 'empty', /0 bytes/);
  });

  it('oversize: checked on the raw value before parsing', async () => {
    const value = Buffer.from(`{"type":"t","pad":"${'x'.repeat(100)}"}`);
    assertInvalid(await decoder.decode(await kafkaRecord({ value })), 'oversize', /121 bytes, larger than the limit of 64 bytes/);
    const junk = Buffer.alloc(65, 0xff);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: junk })), 'oversize');
    const atLimit = Buffer.from(`{"type":"t","p":"${'x'.repeat(64 - 19)}"}`);
    assert.equal(atLimit.length, 64);
    assertEvent(await decoder.decode(await kafkaRecord({ value: atLimit })));
  });

  it('not-utf8: says where the bad byte is', async () => {
    const value = Buffer.concat([Buffer.from('{"type":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    assertInvalid(await decoder.decode(await kafkaRecord({ value })), 'not-utf8', /offset 12/);
  });

  it('invalid-json: with the parse error', async () => {
    assertInvalid(await decoder.decode(await kafkaRecord({ value: '{"type": "t",}' })), 'invalid-json', /not valid JSON: .+/);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: 'type=t' })), 'invalid-json');
  });

  it('not-an-object: arrays, strings, numbers, null', async () => {
    for (const value of ['[{"type":"t"}]', '"text"', '42', 'null', 'true']) {
      assertInvalid(await decoder.decode(await kafkaRecord({ value })), 'not-an-object', /expected a JSON object/);
    }
  });

  it('missing-type: absent, not a string, empty, or too long', async () => {
    const big = createDecoder();
    assertInvalid(await big.decode(await kafkaRecord({ value: { id: 'x' } })), 'missing-type', /no value at payload path 'type'/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 7 } })), 'missing-type', /is a number, expected a string/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: '  ' } })), 'missing-type', /empty/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 'x'.repeat(257) } })), 'missing-type', /257 characters long, at most 256/);
    assertEvent(await big.decode(await kafkaRecord({ value: { type: 'x'.repeat(256) } })));
    const withHeader = createDecoder({ typeHeader: 'x-type', typePath: 'meta.type' });
    assertInvalid(await withHeader.decode(await kafkaRecord({ value: { type: 'top' } })), 'missing-type', /no header "x-type" and no value at payload path 'meta.type'/);
  });

  it('missing-type hints at ce_* headers without ce_specversion', async () => {
    const result = await createDecoder().decode(await kafkaRecord({ value: { a: 1 }, headers: { ce_type: 'x', ce_id: '1' } }));
    assertInvalid(result, 'missing-type', /ce_\* headers but no ce_specversion/);
  });

  it('missing-id: present but unusable (a present id is never silently replaced)', async () => {
    const big = createDecoder();
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 't', id: '' } })), 'missing-id', /empty string/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 't', id: { v: 1 } } })), 'missing-id', /is an object/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 't', id: true } })), 'missing-id', /a boolean/);
    assertInvalid(await big.decode(await kafkaRecord({ value: { type: 't', id: 'i'.repeat(300) } })), 'missing-id', /300 characters/);
    const withHeader = createDecoder({ idHeader: 'x-id' });
    assertInvalid(
      await withHeader.decode(await kafkaRecord({ value: { type: 't' }, headers: { 'x-id': Buffer.from([0xff]) } })),
      'missing-id',
      /not valid UTF-8/,
    );
  });

  it('undecodable: Confluent-framed bytes with no registry configured', async () => {
    const framed = Buffer.from([0x00, 0x00, 0x00, 0x01, 0x2c, 0x02, 0x61]);
    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: framed })),
      'undecodable',
      /^Confluent-framed payload \(schema id 300\) but no schema registry is configured$/,
    );
    assertInvalid(await decoder.decode(await kafkaRecord({ value: Buffer.from([0x00, 0x01]) })), 'undecodable', /too short/);
  });

  it('binary junk gets a reason, never an exception', async () => {
    const junk = Buffer.from('9f3a00c1ffee0102', 'hex');
    assertInvalid(await decoder.decode(await kafkaRecord({ value: junk })), 'not-utf8', /8 bytes starting 9f 3a 00 c1/);
  });
});

describe('decoder options', () => {
  it('are checked when the decoder is created', () => {
    assert.throws(() => createDecoder({ maxPayloadBytes: 0 }), /maxPayloadBytes/);
    assert.throws(() => createDecoder({ maxPayloadBytes: 1.5 }), /maxPayloadBytes/);
    assert.throws(() => createDecoder({ idPath: 'a..b' }), /empty segment/);
    assert.throws(() => createDecoder({ typeHeader: '' }), /typeHeader/);
    assert.throws(() => createDecoder({ schemaRegistry: { url: 'not a url' } }), /Invalid URL/);
    assert.throws(() => createDecoder({ schemaRegistry: { url: 'ftp://registry' } }), /http/);
  });

  it('default to the router\'s default limit of 1 000 000 bytes', async () => {
    const decoder = createDecoder();
    const fits = Buffer.from(`{"type":"t","p":"${'x'.repeat(1_000_000 - 19)}"}`);
    assert.equal(fits.length, 1_000_000);
    assertEvent(await decoder.decode(await kafkaRecord({ value: fits })));
    const tooBig = Buffer.from(`{"type":"t","p":"${'x'.repeat(1_000_000 - 18)}"}`);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: tooBig })), 'oversize', /1000001 bytes, larger than the limit of 1000000/);
  });
});
