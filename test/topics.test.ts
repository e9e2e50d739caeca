import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import {
  baseConfigSchema,
  DEFAULT_MAX_PAYLOAD_BYTES,
  ensureTopics,
  HEADER_VALUE_BOUNDS,
  hookrailTopicSpecs,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  maxPayloadFor,
  topicNames,
} from '@hookrail/shared';
import { testBrokers, testKafka, uniquePrefix } from './support/kafka.ts';

describe('hookrail topics on the real broker', () => {
  const prefix = uniquePrefix('topics');
  const config = baseConfigSchema.parse({
    kafka: { brokers: testBrokers() },
    topics: { prefix, partitions: 2 },
  });
  const specs = hookrailTopicSpecs(config);
  let admin: Admin;

  before(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates every topic of the design, the registry compacted', async () => {
    const names = topicNames(prefix);
    // 1 registry + 3 tiers + (8 + 6 + 5) retry rungs + dlq, attempts, invalid, alerts + 3 backfill topics + backfill progress + 3 × (parked, parked-state) + breakers
    assert.equal(specs.length, 1 + 3 + 19 + 4 + 3 + 1 + 6 + 1);
    assert.ok(specs.some((s) => s.name === names.breakers && s.configs['cleanup.policy'] === 'compact'), 'the shared breaker states, compacted');
    assert.ok(specs.some((s) => s.name === `${prefix}.tier1.retry.16384s`));
    assert.ok(!specs.some((s) => s.name === `${prefix}.tier3.retry.1024s`), 'tier 3 stops at 256 s');

    const report = await ensureTopics(admin, specs, { create: true });
    assert.equal(report.created.length, specs.length);
    assert.deepEqual(report.problems, []);

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: names.subscriptions, configNames: ['cleanup.policy'] }],
    });
    assert.equal(described.resources[0]?.configEntries[0]?.configValue, 'compact');
  });

  it('verifies existing topics and reports each mismatch clearly', async () => {
    const again = await ensureTopics(admin, specs, { create: true });
    assert.equal(again.created.length, 0);
    assert.equal(again.verified.length, specs.length);
    assert.deepEqual(again.problems, []);

    const names = topicNames(prefix);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: names.subscriptions, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }],
    });
    // The broker applies config changes through the metadata log: wait until it shows.
    for (let i = 0; i < 50; i++) {
      const now = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: names.subscriptions, configNames: ['cleanup.policy'] }],
      });
      if (now.resources[0]?.configEntries[0]?.configValue === 'delete') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const wider = specs.map((s) => (s.name === names.dlq ? { ...s, partitions: 4 } : s));
    const report = await ensureTopics(admin, wider, { create: true });
    assert.deepEqual(
      report.problems.map((p) => [p.severity, p.message]).sort(),
      [
        ['error', `topic ${names.subscriptions} has cleanup.policy=delete, expected compact`],
        ['warning', `topic ${names.dlq} has 2 partitions, expected 4`],
      ],
    );
  });

  it('without create, a missing topic is an error that says how to create it', async () => {
    const missing = [{ name: `${prefix}.missing`, partitions: 1, replicationFactor: 1, configs: {} }];
    const report = await ensureTopics(admin, missing, { create: false });
    assert.equal(report.problems[0]?.severity, 'error');
    assert.match(report.problems[0]!.message, /does not exist \(create it with "hookrail topics create"\)/);
  });

  it('sets max.message.bytes on every topic, and a max-size delivery record with every header at its bound fits', async () => {
    const names = topicNames(prefix);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: specs.map((spec) => ({ type: 2, name: spec.name, configNames: ['max.message.bytes'] })),
    });
    for (const resource of described.resources) {
      assert.equal(resource.configEntries[0]?.configValue, String(KAFKA_DEFAULT_MAX_MESSAGE_BYTES), resource.resourceName);
      // (The registry's configs were replaced by the test above: alterConfigs is not incremental.)
      if (resource.resourceName === names.subscriptions) continue;
      const source = (resource.configEntries[0] as { configSource?: number }).configSource;
      assert.equal(source, 1, `${resource.resourceName}: set on the topic itself (TOPIC_CONFIG), not inherited`);
    }
    assert.ok(DEFAULT_MAX_PAYLOAD_BYTES <= maxPayloadFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES));

    const headers = Object.fromEntries(Object.entries(HEADER_VALUE_BOUNDS).map(([name, bytes]) => [name, 'x'.repeat(bytes)]));
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    try {
      const send = (bytes: number) =>
        producer.send({ topic: names.dlq, acks: -1, messages: [{ key: 'k'.repeat(128), value: Buffer.alloc(bytes, 0x61), headers }] });
      await send(maxPayloadFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES));
      await assert.rejects(send(KAFKA_DEFAULT_MAX_MESSAGE_BYTES), /larger than the max message size/, 'the limit is real');
    } finally {
      await producer.disconnect();
    }
  });

  it('a topic that accepts smaller records than hookrail writes is an error', async () => {
    const names = topicNames(prefix);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: names.attempts, configEntries: [{ name: 'max.message.bytes', value: '500000' }] }],
    });
    for (let i = 0; i < 50; i++) {
      const now = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: names.attempts, configNames: ['max.message.bytes'] }] });
      if (now.resources[0]?.configEntries[0]?.configValue === '500000') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const report = await ensureTopics(admin, specs, { create: true });
    // alterConfigs replaces every config of the topic: its retention is reported too (a warning).
    const problem = report.problems.find((p) => p.topic === names.attempts && p.message.includes('max.message.bytes'));
    assert.equal(problem?.severity, 'error');
    assert.match(problem!.message, /has max\.message\.bytes=500000, expected at least 1048588/);
  });
});
