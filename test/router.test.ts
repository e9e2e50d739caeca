// The router end to end: plain JSON, CloudEvents (binary and structured) and Avro through a
// real schema registry fan out to every matching subscription and reach the receivers; bad
// input lands in the invalid topic with its reason, and the pipeline keeps flowing.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { deliveryId, ensureTopics, H } from '@hookrail/shared';
import { startSchemaRegistry, type RunningSchemaRegistry } from '../services/router/test/schema-registry.ts';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

describe('router', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let registry: RunningSchemaRegistry;
  let orders: Receiver;
  let everything: Receiver;
  const services: RunningProcess[] = [];
  const source = uniquePrefix('router-source');

  before(
    async () => {
      kafka = testKafka();
      install = await createTestInstall(kafka, uniquePrefix('router'));
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [{ name: source, partitions: 2, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
      registry = await startSchemaRegistry();
      orders = await startReceiver();
      everything = await startReceiver();
      await applySubscriptions(kafka, install, [
        testSubscription({ id: 'orders', url: orders.url, tier: 1, eventTypes: ['order.*'] }),
        testSubscription({ id: 'everything', url: everything.url, tier: 2, eventTypes: ['*'] }),
        testSubscription({ id: 'disabled', url: everything.url, tier: 2, eventTypes: ['*'], enabled: false }),
      ]);
      const env = {
        ...install.env,
        HOOKRAIL_ROUTER_SOURCE_TOPICS: source,
        HOOKRAIL_SCHEMA_REGISTRY_URL: registry.url,
        HOOKRAIL_ROUTER_MAX_PAYLOAD_BYTES: '10000',
      };
      services.push(startService('router', { ...env, HOOKRAIL_INSTANCE_ID: 'router-test' }));
      services.push(startService('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: 'router-test' }));
      await Promise.all(services.map((s) => s.ready()));
    },
    { timeout: 20 * 60_000 },
  );

  after(async () => {
    for (const service of services) assert.equal(await service.stop(), 0);
    await orders?.close();
    await everything?.close();
    await registry?.stop();
  });

  it('fans each format out to the matching subscriptions; bad input goes to the invalid topic with a reason', async () => {
    const upstream = new SchemaRegistry({ host: registry.url });
    const { id: schemaId } = await upstream.register({
      type: 'record',
      name: 'OrderPaid',
      namespace: 'test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'type', type: 'string' },
        { name: 'amount', type: 'double' },
      ],
    } as never);
    const ids = { json: randomUUID(), binary: randomUUID(), structured: randomUUID(), avro: randomUUID(), after: randomUUID() };
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: source,
      messages: [
        { value: JSON.stringify({ id: ids.json, type: 'order.created', total: 10 }) },
        {
          value: JSON.stringify({ total: 11 }),
          headers: { ce_specversion: '1.0', ce_id: ids.binary, ce_type: 'order.paid', ce_source: '/shop', 'content-type': 'application/json' },
        },
        {
          value: JSON.stringify({ specversion: '1.0', id: ids.structured, type: 'user.signed-up', source: '/auth', data: { user: 1 } }),
          headers: { 'content-type': 'application/cloudevents+json' },
        },
        { value: await upstream.encode(schemaId, { id: ids.avro, type: 'order.refunded', amount: 5.5 }) },
        // bad input, each for its own reason
        { key: 'bad-json', value: '{"id": "x", "type": ' },
        { key: 'no-type', value: JSON.stringify({ id: 'no-type' }) },
        { key: 'junk', value: randomBytes(64) },
        { key: 'oversize', value: JSON.stringify({ id: 'big', type: 'order.created', blob: 'x'.repeat(20_000) }) },
        { key: 'unknown-schema', value: Buffer.concat([Buffer.from([0, 0, 1, 0x86, 0x9f]), randomBytes(8)]) },
      ],
    });
    // The pipeline keeps flowing after bad input.
    await producer.send({ topic: source, messages: [{ value: JSON.stringify({ id: ids.after, type: 'order.created' }) }] });
    await producer.disconnect();

    const expected = [
      [orders, ids.json, 'orders'], [everything, ids.json, 'everything'],
      [orders, ids.binary, 'orders'], [everything, ids.binary, 'everything'],
      [everything, ids.structured, 'everything'],
      [orders, ids.avro, 'orders'], [everything, ids.avro, 'everything'],
      [orders, ids.after, 'orders'], [everything, ids.after, 'everything'],
    ] as const;
    await eventually(
      () => (expected.every(([receiver, event, sub]) => receiver.delivered.has(deliveryId(event, sub))) ? true : undefined),
      30_000,
      'every fan-out to arrive',
    );
    assert.equal(orders.delivered.size, 4, 'user.* is not an order');
    assert.equal(everything.delivered.size, 5, 'the disabled subscription gets nothing');

    const structured = everything.requests.find((r) => r.webhookId === deliveryId(ids.structured, 'everything'))!;
    assert.equal(structured.headers['content-type'], 'application/cloudevents+json');
    assert.equal(JSON.parse(structured.body.toString()).data.user, 1);
    const avro = orders.requests.find((r) => r.webhookId === deliveryId(ids.avro, 'orders'))!;
    assert.deepEqual(JSON.parse(avro.body.toString()), { id: ids.avro, type: 'order.refunded', amount: 5.5 });

    const invalid = await eventually(async () => {
      const records = await readAll(kafka, install.topics.invalid);
      return records.length >= 5 ? records : undefined;
    }, 10_000, 'the invalid records');
    const reasons = Object.fromEntries(invalid.map((r) => [r.key, r.headers[H.invalidReason]]));
    assert.deepEqual(reasons, {
      'bad-json': 'invalid-json',
      'no-type': 'missing-type',
      junk: reasons.junk === 'not-utf8' ? 'not-utf8' : 'undecodable',
      oversize: 'oversize',
      'unknown-schema': 'unknown-schema',
    });
    for (const record of invalid) {
      assert.ok(record.headers[H.invalidDetail]!.length > 0, 'a human-readable detail');
      assert.match(record.headers[H.source]!, new RegExp(`^${source}/\\d/\\d+$`));
    }
  });
});
