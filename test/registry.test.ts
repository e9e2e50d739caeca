// The subscription registry against the real broker: it starts right after its topic is
// created (leaders not elected yet), merges 410 flags and disable states kept under their own keys, keeps
// records that are not subscriptions out while naming the problem, and fails clearly when its
// topic does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSubscriptionRegistry, deleteSubscriptions, disableRecord, flagRecord, publishSubscriptions } from '@hookrail/shared';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testKafka, testLogger, uniquePrefix } from './support/kafka.ts';
import { testSubscription } from './support/topics.ts';

describe('subscription registry', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const created: string[] = [];

  before(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  const newTopic = async () => {
    const topic = `${uniquePrefix('registry')}.subscriptions`;
    created.push(topic);
    // No wait for leaders: the registry must cope with a topic that has none yet.
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    return topic;
  };
  const read = async (topic: string) => {
    const registry = createSubscriptionRegistry({ kafka, topic, logger: testLogger, owner: 'test' });
    await registry.start();
    await registry.stop();
    return registry;
  };

  it('starts right after its topic is created, ten times in a row', async () => {
    for (let i = 0; i < 10; i++) {
      const registry = await read(await newTopic());
      assert.deepEqual(registry.all(), []);
    }
  });

  it('merges the newest flag into the subscription, never replacing it, and drops it with the subscription', async () => {
    const topic = await newTopic();
    const original = testSubscription({ id: 'shop', url: 'https://shop.example.com/hook' });
    await publishSubscriptions(producer, topic, [original]);
    await producer.send({ topic, acks: -1, messages: [flagRecord(topic, 'shop', { reason: 'receiver answered 410 Gone for msg_1', at: '2026-01-01T00:00:00.000Z' }).message] });
    const rotated = { ...original, secrets: [`whsec_${Buffer.alloc(32, 5).toString('base64')}`] };
    await publishSubscriptions(producer, topic, [rotated]);

    const registry = await read(topic);
    assert.deepEqual(registry.get('shop')?.secrets, rotated.secrets, 'the newer subscription stands');
    assert.equal(registry.get('shop')?.flagged?.reason, 'receiver answered 410 Gone for msg_1');
    assert.equal(registry.all().length, 1, 'the flag is not a subscription');

    await deleteSubscriptions(producer, topic, ['shop']);
    await publishSubscriptions(producer, topic, [original]);
    assert.equal((await read(topic)).get('shop')?.flagged, undefined, 'a deleted subscription\'s flag goes with it');
  });

  it('merges the newest disable state into the subscription, never replacing it, and drops it with the subscription', async () => {
    const topic = await newTopic();
    const original = testSubscription({ id: 'crm', url: 'https://crm.example.com/hook' });
    await publishSubscriptions(producer, topic, [original]);
    const disabled = { disabled: true as const, reason: 'every attempt failed', at: '2026-01-01T00:00:00.000Z', by: 'monitor' };
    await producer.send({ topic, acks: -1, messages: [disableRecord(topic, 'crm', disabled).message] });
    const moved = { ...original, url: 'https://crm2.example.com/hook' };
    await publishSubscriptions(producer, topic, [moved]);

    const registry = await read(topic);
    assert.equal(registry.get('crm')?.url, moved.url, 'the newer subscription revision stands');
    assert.deepEqual(registry.get('crm')?.disabled, { reason: 'every attempt failed', at: '2026-01-01T00:00:00.000Z', by: 'monitor' });
    assert.equal(registry.all().length, 1, 'the disable record is not a subscription');
    assert.deepEqual(registry.problems(), []);

    await producer.send({ topic, acks: -1, messages: [disableRecord(topic, 'crm', { disabled: false, at: '2026-01-01T01:00:00.000Z', by: 'cli' }).message] });
    const enabled = (await read(topic)).get('crm');
    assert.equal(enabled?.disabled, undefined);
    assert.equal(enabled?.enabledAt, '2026-01-01T01:00:00.000Z');

    await producer.send({ topic, acks: -1, messages: [disableRecord(topic, 'crm', disabled).message] });
    await deleteSubscriptions(producer, topic, ['crm']);
    await publishSubscriptions(producer, topic, [original]);
    assert.equal((await read(topic)).get('crm')?.disabled, undefined, "a deleted subscription's disable state goes with it");
  });

  it('keeps a record that is not a subscription out, and names what is wrong with it', async () => {
    const topic = await newTopic();
    await producer.send({ topic, acks: -1, messages: [{ key: 'broken', value: JSON.stringify({ id: 'broken', tier: 9 }) }, { key: 'junk', value: 'not json' }] });
    const registry = await read(topic);
    assert.equal(registry.get('broken'), undefined);
    assert.match(registry.problem('broken') ?? '', /^the registry record of subscription broken is invalid: subscription broken\.source: .*subscription broken\.tier: expected tier 1, 2 or 3/);
    assert.match(registry.problem('junk') ?? '', /not JSON/);
    assert.equal(registry.problems().length, 2);
  });

  it('fails at once with a clear error when its topic does not exist', async () => {
    const registry = createSubscriptionRegistry({
      kafka,
      topic: `${uniquePrefix('registry-missing')}.subscriptions`,
      logger: testLogger,
      owner: 'test',
      retry: { attempts: 3, initialDelayMs: 50 },
    });
    await assert.rejects(registry.start(), /^Error: the subscriptions topic t-registry-missing-\w+\.subscriptions does not exist \(create it with "hookrail topics create"\)$/);
  });
});
