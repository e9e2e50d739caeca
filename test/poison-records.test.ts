// Records that can never be written: source events at 0.99×, 1× and 1.01× the broker's default
// `message.max.bytes`, and one whose fan-out the tier topic refuses (a tier topic with a smaller
// limit, lowered while the services run). Each is quarantined in the invalid topic with a reason, events on other keys and
// partitions are delivered meanwhile, and neither the router nor the deliverer exits.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { deliveryId, ensureTopics, H, QUARANTINE_HEADERS } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

/** Kafka's default `message.max.bytes`. */
const BROKER_LIMIT = 1_048_588;
/** The tier topic of this test refuses records above this; the router's own check lets them by. */
const TIER_LIMIT = 600_000;

const event = (bytes: number) => {
  const id = randomUUID();
  const head = JSON.stringify({ id, type: 'order.created', data: '' });
  return { id, value: head.replace('"data":""', `"data":"${'x'.repeat(Math.max(0, bytes - head.length))}"`) };
};

describe('records that can never be written', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  const source = uniquePrefix('poison-source');
  const processes: RunningProcess[] = [];

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('poison'));
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The source topic takes records above the broker's default, as an upstream team's may.
      await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 1, configs: { 'max.message.bytes': String(2 * BROKER_LIMIT) } }], { create: true });
    } finally {
      await admin.disconnect();
    }
    receiver = await startReceiver(() => ({ status: 200 }));
    await applySubscriptions(kafka, install, [testSubscription({ id: 'alpha', url: receiver.url, tier: 1 })]);
  });

  after(async () => {
    for (const p of processes) if (p.child.exitCode === null) await p.stop('SIGKILL');
    await receiver?.close();
  });

  it('quarantines each with a reason while the rest is delivered, and nothing exits', async () => {
    const env = { ...install.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'info' };
    const router = startService('router', { ...env, HOOKRAIL_INSTANCE_ID: 'poison-router' });
    const deliverer = startService('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: 'poison-deliverer', HOOKRAIL_DELIVERER_TIERS: '1' });
    processes.push(router, deliverer);
    await Promise.all([router.ready(90_000), deliverer.ready(90_000)]);
    // An operator lowers the tier topic's limit while the services run (at start-up they would
    // refuse it): the router's own size check lets a record through that the broker refuses.
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .alterConfigs({ validateOnly: false, resources: [{ type: 2, name: install.topics.tier(1), configEntries: [{ name: 'max.message.bytes', value: String(TIER_LIMIT) }] }] })
      .finally(() => admin.disconnect());

    const poison = [event(Math.floor(0.99 * BROKER_LIMIT)), event(BROKER_LIMIT), event(Math.ceil(1.01 * BROKER_LIMIT)), event(TIER_LIMIT + 50_000)];
    const normal = Array.from({ length: 60 }, () => event(200));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    // Poison first, on every partition, then the normal events behind it on the same partitions.
    for (const [n, record] of poison.entries()) await producer.send({ topic: source, acks: -1, messages: [{ key: record.id, value: record.value, partition: n % 3 }] });
    await producer.send({ topic: source, acks: -1, messages: normal.map((record, n) => ({ key: record.id, value: record.value, partition: n % 3 })) });
    await producer.disconnect();

    const expected = normal.map((record) => deliveryId(record.id, 'alpha'));
    await eventually(() => (expected.every((id) => receiver.delivered.has(id)) ? true : undefined), 120_000, 'the normal events to be delivered');
    const quarantined = await eventually(async () => {
      const invalid = await readAll(kafka, install.topics.invalid);
      const found = invalid.filter((r) => r.headers[QUARANTINE_HEADERS.reason] !== undefined);
      return found.length >= poison.length ? found : undefined;
    }, 60_000, 'a quarantine record for each poison record');

    console.log(
      `# poison: ${quarantined
        .map((r) => `${r.headers[H.originalTopic]}/${r.headers[H.originalPartition]}/${r.headers[H.originalOffset]} ${r.headers[QUARANTINE_HEADERS.bytes]} B → ${r.headers[QUARANTINE_HEADERS.reason]}`)
        .join(' | ')}`,
    );
    assert.equal(quarantined.length, poison.length, 'one quarantine record per poison record');
    for (const record of quarantined) {
      // Over the router's max payload: `oversize`; a fan-out the tier topic refused: `unwritable`.
      assert.ok(['oversize', 'unwritable'].includes(record.headers[H.invalidReason]!), record.headers[H.invalidReason]);
      assert.match(record.headers[QUARANTINE_HEADERS.sha256]!, /^[0-9a-f]{64}$/);
      assert.ok(Number(record.headers[QUARANTINE_HEADERS.bytes]) > TIER_LIMIT, 'the size of what could not be written');
      assert.ok(record.value.length <= 64 * 1024, 'the value is cut to fit');
    }
    assert.ok(quarantined.some((r) => /refused/.test(r.headers[QUARANTINE_HEADERS.reason]!)), 'the one only the broker refused was isolated and quarantined');
    assert.equal(router.child.exitCode, null, 'the router never exited');
    assert.equal(deliverer.child.exitCode, null, 'the deliverer never exited');
    assert.equal(receiver.delivered.size, expected.length, 'nothing else reached the receiver');
    assert.equal(await router.stop('SIGTERM'), 0);
    assert.equal(await deliverer.stop('SIGTERM'), 0);
  });
});
