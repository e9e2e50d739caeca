// Confluent-framed records against a real schema registry: Apicurio Registry 2.4.2.Final
// (Confluent-compatible API, in-memory storage) started by testing/schema-registry.ts. The first
// run builds it with Maven (about a minute with an empty Maven repository); later runs start it
// in a few seconds. Skipped only when java or mvn is missing, or HOOKRAIL_SKIP_SCHEMA_REGISTRY=1.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { avroBigintLongHook } from './confluent.ts';
import { createDecoder } from './decoder.ts';
import { kafkaRecord } from '../../test/records.ts';
import { startSchemaRegistry, type RunningSchemaRegistry } from '../../test/schema-registry.ts';
import { assertEvent, assertInvalid } from '../../test/assertions.ts';


function framed(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

const orderSchema = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'com.example.shop',
  fields: [
    {
      name: 'meta',
      type: {
        type: 'record',
        name: 'Meta',
        fields: [
          { name: 'eventId', type: 'string' },
          { name: 'kind', type: 'string' },
          { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        ],
      },
    },
    { name: 'customerId', type: 'long' },
    { name: 'total', type: 'double' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] } },
    { name: 'lines', type: { type: 'array', items: 'string' } },
    { name: 'attributes', type: { type: 'map', values: 'int' } },
    { name: 'signature', type: 'bytes' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
} as const;

describe('Confluent-framed records through a real schema registry (Apicurio)', () => {
  let registry: RunningSchemaRegistry;
  let producer: SchemaRegistry; // the upstream team's side: registers schemas, encodes records
  let orderSchemaId: number;

  before(
    async () => {
      const started = Date.now();
      registry = await startSchemaRegistry({ log: (message) => process.stderr.write(`# ${message}\n`) });
      process.stderr.write(`# schema registry ready in ${Date.now() - started} ms at ${registry.url}\n`);
      producer = new SchemaRegistry({ host: registry.url }, { [SchemaType.AVRO]: { typeHook: avroBigintLongHook as never } });
      orderSchemaId = (await producer.register(orderSchema as never)).id;
    },
    { timeout: 20 * 60_000 },
  );
  after(() => registry?.stop());

  const order = {
    meta: { eventId: 'ord-evt-1', kind: 'order.placed', at: 1714557600123n },
    customerId: 9007199254740993n, // 2^53 + 1: not representable as a JS number
    total: 99.95,
    currency: 'EUR',
    lines: ['sku-1', 'sku-2'],
    attributes: { gift: 1 },
    signature: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    note: 'leave at the door',
  };

  it('decodes an Avro record registered and encoded with the library into the JSON to POST', async () => {
    const value = await producer.encode(orderSchemaId, order);
    const decoder = createDecoder({ schemaRegistry: { url: registry.url }, idPath: 'meta.eventId', typePath: 'meta.kind', timePath: 'meta.at' });
    const result = await decoder.decode(await kafkaRecord({ value }, { topic: 'shop.orders', partition: 1, firstOffset: '5' }));
    assertEvent(result);
    assert.equal(result.format, 'confluent-avro');
    assert.equal(result.contentType, 'application/json');
    assert.equal(result.id, 'ord-evt-1');
    assert.equal(result.type, 'order.placed');
    assert.equal(result.time, 1714557600123);
    assert.equal(result.source, 'shop.orders/1/5');
    assert.equal(
      result.payload.toString('utf8'),
      '{"meta":{"eventId":"ord-evt-1","kind":"order.placed","at":1714557600123},"customerId":9007199254740993,"total":99.95,' +
        '"currency":"EUR","lines":["sku-1","sku-2"],"attributes":{"gift":1},"signature":"3q2+7w==","note":"leave at the door"}',
    );
  });

  it('takes the id and type from headers and derives the id when the record has none', async () => {
    const schema = { type: 'record', name: 'Ping', namespace: 'com.example', fields: [{ name: 'seq', type: 'int' }] };
    const { id } = await producer.register(schema as never);
    const value = await producer.encode(id, { seq: 3 });
    const decoder = createDecoder({ schemaRegistry: { url: registry.url }, typeHeader: 'event-type' });
    const result = await decoder.decode(await kafkaRecord({ value, headers: { 'event-type': 'ping' } }, { topic: 'pings', partition: 0, firstOffset: '77' }));
    assertEvent(result);
    assert.deepEqual([result.id, result.type, result.payload.toString()], ['pings-0-77', 'ping', '{"seq":3}']);
    assertInvalid(await decoder.decode(await kafkaRecord({ value })), 'missing-type', /no header "event-type" and no value at payload path 'type'/);
  });

  it('decodes JSON Schema records, POSTing the JSON exactly as produced', async () => {
    const schema = JSON.stringify({
      type: 'object',
      properties: { id: { type: 'string' }, type: { type: 'string' }, amount: { type: 'number' } },
      required: ['id', 'type'],
    });
    const { id } = await producer.register({ type: SchemaType.JSON, schema }, { subject: 'invoices-value' });
    const json = '{"id":"inv-1","type":"invoice.paid","amount":12345678901234567890}';
    const decoder = createDecoder({ schemaRegistry: { url: registry.url } });
    const result = await decoder.decode(await kafkaRecord({ value: framed(id, Buffer.from(json)) }));
    assertEvent(result);
    assert.deepEqual([result.format, result.id, result.type, result.payload.toString()], ['confluent-json', 'inv-1', 'invoice.paid', json]);

    const encoded = await producer.encode(id, { id: 'inv-2', type: 'invoice.paid' });
    const viaLibrary = await decoder.decode(await kafkaRecord({ value: encoded }));
    assertEvent(viaLibrary);
    assert.equal(viaLibrary.id, 'inv-2');

    assertInvalid(
      await decoder.decode(await kafkaRecord({ value: framed(id, Buffer.from('{"id":"inv-3","type":5}')) })),
      'undecodable',
      new RegExp(`does not decode with JSON schema id ${id}: invalid payload`),
    );
  });

  it('decodes Protobuf records (int64 as string, bytes as base64, as the Protobuf JSON mapping says)', async () => {
    const schema = 'syntax = "proto3";\npackage billing;\nmessage Charge {\n  string id = 1;\n  string type = 2;\n  int64 cents = 3;\n  bytes token = 4;\n}\n';
    const { id } = await producer.register({ type: SchemaType.PROTOBUF, schema }, { subject: 'charges-value' });
    const value = await producer.encode(id, { id: 'ch-1', type: 'charge.succeeded', cents: 1999, token: Buffer.from('tok') });
    const result = await createDecoder({ schemaRegistry: { url: registry.url } }).decode(await kafkaRecord({ value }));
    assertEvent(result);
    assert.deepEqual([result.format, result.id, result.type], ['confluent-protobuf', 'ch-1', 'charge.succeeded']);
    assert.deepEqual(JSON.parse(result.payload.toString()), { id: 'ch-1', type: 'charge.succeeded', cents: '1999', token: 'dG9r' });
  });

  it('decodes Confluent-framed data of a binary-mode CloudEvent', async () => {
    const value = await producer.encode(orderSchemaId, order);
    const headers = { ce_specversion: '1.0', ce_id: 'ce-9', ce_type: 'order.placed', ce_source: '/shop', 'content-type': 'application/avro' };
    const result = await createDecoder({ schemaRegistry: { url: registry.url } }).decode(await kafkaRecord({ value, headers }));
    assertEvent(result);
    assert.deepEqual([result.format, result.id, result.contentType], ['cloudevents-binary', 'ce-9', 'application/json']);
    assert.equal((JSON.parse(result.payload.toString()) as { currency: string }).currency, 'EUR');
  });

  it('reports bytes that do not match their schema as undecodable', async () => {
    const decoder = createDecoder({ schemaRegistry: { url: registry.url } });
    const truncated = (await producer.encode(orderSchemaId, order)).subarray(0, 20);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: truncated })), 'undecodable', new RegExp(`does not decode with AVRO schema id ${orderSchemaId}`));
    const trailing = Buffer.concat([await producer.encode(orderSchemaId, order), Buffer.from([1, 2, 3])]);
    assertInvalid(await decoder.decode(await kafkaRecord({ value: trailing })), 'undecodable');
  });

  it('an unknown schema id → unknown-schema (the registry answered 404)', async () => {
    const decoder = createDecoder({ schemaRegistry: { url: registry.url } });
    const result = await decoder.decode(await kafkaRecord({ value: framed(99999, Buffer.from([2, 0x61])) }));
    assertInvalid(result, 'unknown-schema', /schema id 99999 is not in the schema registry \(404: No content with id\/hash 'contentId-99999' was found\.\)/);
  });

  it('a wrong registry URL (Apicurio answers 404 for the path) → schema-registry-unavailable, not unknown-schema', async () => {
    const wrongPath = registry.url.replace('/apis/ccompat/v6', '/apis/nope');
    const result = await createDecoder({ schemaRegistry: { url: wrongPath } }).decode(await kafkaRecord({ value: framed(orderSchemaId, Buffer.from([0])) }));
    assertInvalid(result, 'schema-registry-unavailable', /RESTEASY003210/);
  });

  it('a stopped registry → schema-registry-unavailable; schemas already fetched keep decoding from the cache', async () => {
    const options = { schemaRegistry: { url: registry.url, retries: 0 }, typePath: 'meta.kind' };
    const decoder = createDecoder(options);
    const value = await producer.encode(orderSchemaId, order);
    assertEvent(await decoder.decode(await kafkaRecord({ value })));
    await registry.stop();
    assertEvent(await decoder.decode(await kafkaRecord({ value })));
    const unseen = await decoder.decode(await kafkaRecord({ value: framed(orderSchemaId + 1000, Buffer.from([0])) }));
    assertInvalid(unseen, 'schema-registry-unavailable', /unreachable.*ECONNREFUSED/);
    const fresh = await createDecoder(options).decode(await kafkaRecord({ value }));
    assertInvalid(fresh, 'schema-registry-unavailable', new RegExp(`schema id ${orderSchemaId}`));
  });
});
