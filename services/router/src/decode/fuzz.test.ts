// decode() never throws on bad input: thousands of seeded random records (random bytes, mangled
// JSON, CloudEvents with junk attributes, Confluent-framed junk against a registry stub that
// answers with schemas, 404s, 5xx and garbage) must each give a well-formed DecodeResult.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import avsc from 'avsc';
import { createDecoder } from './decoder.ts';
import { startReceiver, type Receiver } from '../../../../test/support/receiver.ts';
import { registryReply } from '../../test/schema-registry.ts';
import type { DecodeResult, Decoder, InvalidReason, SourceRecord } from './types.ts';

const REASONS = new Set<InvalidReason>([
  'empty', 'oversize', 'not-utf8', 'invalid-json', 'not-an-object', 'missing-type', 'missing-id',
  'invalid-cloudevent', 'unknown-schema', 'schema-registry-unavailable', 'undecodable',
]);

/** mulberry32: a small seeded PRNG, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AVRO_SCHEMA_1 = { type: 'record', name: 'E', fields: [{ name: 'type', type: 'string' }, { name: 'n', type: 'long' }, { name: 'b', type: 'bytes' }] };
const avroType1 = avsc.Type.forSchema(AVRO_SCHEMA_1 as avsc.Schema);

function generator(seed: number) {
  const random = prng(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const text = () => pick(['', 'a', 'order.created', '1.0', '0.3', '2024-05-01T10:00:00Z', 'x'.repeat(300), '\u0000\n', '😀', '{}', 'application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'text/plain']);
  const jsonValue = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 8)) {
      case 0: return null;
      case 1: return random() < 0.5;
      case 2: return pick([0, -1, 1.5, 1e308, 9007199254740993, 1714557600000]);
      case 3: return text();
      case 4: return int(1e6);
      case 5: return pick(['id', 'type', 'time', 'specversion']);
      case 6: return Array.from({ length: int(4) }, () => jsonValue(depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = int(6); i > 0; i -= 1) object[pick(['id', 'type', 'time', 'meta', 'specversion', 'source', 'data', 'data_base64', '__proto__', 'constructor', 'x'])] = jsonValue(depth + 1);
        return object;
      }
    }
  };
  const value = (): Buffer | null => {
    switch (int(11)) {
      case 9: { // a valid Avro record of schema 1, corrupted half of the time
        const avro = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), avroType1.toBuffer({ type: pick(['order.created', '', 'x'.repeat(300)]), n: int(1e9), b: bytes(int(8)) })]);
        if (random() < 0.5) avro[5 + int(avro.length - 5)] = int(256);
        return avro;
      }
      case 10: structured = true; return Buffer.from(JSON.stringify({ specversion: '1.0', id: pick(['e-1', '', 7]), type: pick(['t', 'order.created']), source: '/s', ...(random() < 0.5 ? { time: text() } : {}), data: jsonValue(1) }));
      case 0: return random() < 0.5 ? null : Buffer.alloc(0);
      case 1: return bytes(int(300));
      case 2: return Buffer.concat([Buffer.from([0]), bytes(int(40))]); // Confluent-looking junk
      case 3: { const id = Buffer.alloc(5); id.writeInt32BE(pick([1, 2, 3, 4, 5, 6, 99999, -1, 0x7fffffff]), 1); return Buffer.concat([id, bytes(int(30))]); }
      case 4: { const json = Buffer.from(JSON.stringify(jsonValue(0)) ?? 'null'); const cut = int(json.length + 1); return json.subarray(0, cut); }
      case 5: { const json = Buffer.from(JSON.stringify(jsonValue(0)) ?? 'null'); if (json.length > 0) json[int(json.length)] = int(256); return json; }
      case 6: return Buffer.from(JSON.stringify({ specversion: pick(['1.0', '0.3', 1]), id: jsonValue(2), type: jsonValue(2), source: jsonValue(2), time: jsonValue(2), data: jsonValue(1) }));
      case 7: return bytes(int(2_000) + 600); // beyond the fuzz decoders' 512-byte limit
      default: return Buffer.from(JSON.stringify(jsonValue(0)) ?? 'null');
    }
  };
  const headerValue = (): Buffer | string | (Buffer | string)[] | undefined => {
    switch (int(6)) {
      case 0: return undefined;
      case 1: return bytes(int(12));
      case 2: return [text(), bytes(int(4))];
      case 3: return [];
      default: return random() < 0.5 ? text() : Buffer.from(text());
    }
  };
  let structured = false;
  const headers = (): SourceRecord['headers'] => {
    const out: SourceRecord['headers'] = {};
    if (structured) {
      structured = false;
      return { 'content-type': 'application/cloudevents+json' };
    }
    const names = ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'content-type', 'Content-Type', 'x-id', 'x-type', 'CE_ID', '__proto__', 'random'];
    for (let i = int(7); i > 0; i -= 1) Object.defineProperty(out, pick(names), { value: headerValue(), enumerable: true, configurable: true, writable: true });
    if (random() < 0.3) Object.assign(out, { ce_specversion: '1.0', ce_id: text(), ce_type: text(), ce_source: text() });
    return out;
  };
  const record = (): SourceRecord => ({
    topic: pick(['t', 'crm.events', '']),
    partition: int(12),
    offset: String(int(1e9)),
    key: random() < 0.5 ? null : bytes(int(8)),
    ...(() => {
      const v = value(); // before headers(): a structured CloudEvent value sets its content-type
      return { value: v, headers: headers() };
    })(),
    timestamp: pick(['1700000000000', '', 'junk', '-1', '99999999999999999999']),
  });
  return { record };
}

function assertWellFormed(result: DecodeResult, record: SourceRecord): void {
  const context = `for value ${record.value?.subarray(0, 24).toString('hex')} headers ${Object.keys(record.headers).join(',')}`;
  if ('invalid' in result) {
    assert.equal(result.invalid, true);
    assert.ok(REASONS.has(result.reason), `unknown reason ${result.reason} ${context}`);
    assert.equal(typeof result.detail, 'string');
    assert.ok(result.detail.length > 0 && result.detail.length <= 500, `detail length ${result.detail.length} ${context}`);
    assert.ok(!/[\n\r]/.test(result.detail), `multi-line detail ${context}`);
    return;
  }
  assert.ok(result.id.length > 0, context);
  assert.ok(result.type.length > 0 && result.type.length <= 256, context);
  assert.ok(Number.isFinite(result.time), context);
  assert.ok(Buffer.isBuffer(result.payload), context);
  JSON.parse(result.payload.toString('utf8')); // the payload is always valid JSON
  assert.ok(['application/json', 'application/cloudevents+json'].includes(result.contentType), context);
  assert.equal(result.source, `${record.topic}/${record.partition}/${record.offset}`);
}

describe('fuzzing decode()', () => {
  let stub: Receiver;
  let decoders: Decoder[];

  before(async () => {
    // Schema ids 1..6 answer with usable and unusable schemas; the rest 404, 500 or hang up.
    const schemas: Record<number, unknown> = {
      1: { schema: JSON.stringify(AVRO_SCHEMA_1) },
      2: { schemaType: 'JSON', schema: JSON.stringify({ type: 'object' }) },
      3: { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage M { string type = 1; int64 n = 2; }' },
      4: { schemaType: 'PROTOBUF', schema: 'this is not protobuf' },
      5: { schemaType: 'XML', schema: '<x/>' },
      6: 'garbage, not JSON',
    };
    stub = await startReceiver((request, response) => {
      const id = Number(/\/schemas\/ids\/(-?\d+)/.exec(request.url)?.[1]);
      const schema = schemas[id];
      if (schema !== undefined) return registryReply(200, schema);
      if (id === 99999) return registryReply(404, { error_code: 40403, message: 'Schema not found' });
      if (id % 2 === 0) return registryReply(500, { message: 'boom' });
      response.socket?.destroy();
    });
    decoders = [
      createDecoder({ maxPayloadBytes: 512 }),
      createDecoder({ maxPayloadBytes: 512, idHeader: 'x-id', typeHeader: 'x-type', idPath: 'meta.id', typePath: 'meta.type', timePath: 'meta.time' }),
      createDecoder({ maxPayloadBytes: 512, schemaRegistry: { url: stub.origin, retries: 0, timeoutMs: 500 } }),
    ];
  });
  after(() => stub.close());

  for (const seed of [1, 2, 3, 4]) {
    it(`never throws, and always answers a well-formed result (seed ${seed}, 1500 records × 3 decoders)`, async () => {
      const { record } = generator(seed);
      const reasons = new Map<string, number>();
      for (let i = 0; i < 1500; i += 1) {
        const input = record();
        for (const decoder of decoders) {
          const result = await decoder.decode(input);
          assertWellFormed(result, input);
          const key = 'invalid' in result ? result.reason : result.format;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        }
      }
      if (process.env.FUZZ_VERBOSE) console.log(seed, JSON.stringify([...reasons]));
      // The generator reaches most outcomes, so the property is tested where it matters.
      for (const expected of ['json', 'cloudevents-binary', 'cloudevents-structured', 'confluent-avro', 'empty', 'oversize', 'not-utf8', 'invalid-json', 'missing-type', 'invalid-cloudevent', 'undecodable', 'unknown-schema', 'schema-registry-unavailable']) {
        assert.ok(reasons.has(expected), `seed ${seed} never produced ${expected}: ${JSON.stringify([...reasons])}`);
      }
    });
  }
});
