// KafkaJS 2.2.4 against the pinned Apache Kafka 4.x broker: everything hookrail relies on.
// Kafka 4.0 removed old protocol versions (KIP-896); each test here would fail if KafkaJS
// negotiated one of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { testKafka, uniquePrefix } from './support/kafka.ts';

describe('KafkaJS 2.2.4 on the pinned broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  const prefix = uniquePrefix('compat');
  const topic = `${prefix}.plain`;
  const txnIn = `${prefix}.txn-in`;
  const txnOut = `${prefix}.txn-out`;

  before(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: [topic, txnIn, txnOut] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates and describes topics (CreateTopics, Metadata, DescribeConfigs)', async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        { topic: txnIn, numPartitions: 1 },
        { topic: txnOut, numPartitions: 1 },
      ],
    });
    assert.equal(created, true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, 3);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }],
    });
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '3600000');
  });

  it('produces and consumes through a consumer group, and fetches its offsets', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` })),
    });
    await producer.disconnect();

    const groupId = `${prefix}-group`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === 30) resolve();
        },
      });
    });
    await consumer.disconnect(); // commits the consumed offsets on the way out
    assert.equal(new Set(seen).size, 30);

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    assert.equal(committed, 30, 'committed offsets add up to every record');
    const ends = await admin.fetchTopicOffsets(topic);
    assert.equal(ends.reduce((sum, p) => sum + Number(p.high), 0), 30);
  });

  it('commits one transaction with sendOffsets and aborts another; read_committed sees only the first', async () => {
    const seed = kafka.producer({ idempotent: true });
    await seed.connect();
    await seed.send({ topic: txnIn, acks: -1, messages: [{ value: 'in-0' }, { value: 'in-1' }] });
    await seed.disconnect();

    const groupId = `${prefix}-txn-group`;
    const producer = kafka.producer({ transactionalId: `${prefix}-txn`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const committed = await producer.transaction();
    await committed.send({ topic: txnOut, messages: [{ value: 'committed' }] });
    await committed.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: txnIn, partitions: [{ partition: 0, offset: '1', metadata: 'hr1:test' } as never] }],
    });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: txnOut, messages: [{ value: 'aborted' }] });
    await aborted.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: txnIn, partitions: [{ partition: 0, offset: '2' }] }],
    });
    await aborted.abort();

    const after = await producer.transaction();
    await after.send({ topic: txnOut, messages: [{ value: 'committed-after' }] });
    await after.commit();
    await producer.disconnect();

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [txnIn] });
    assert.equal(offsets!.partitions[0]!.offset, '1', 'only the committed transaction moved the offset');
    assert.equal(offsets!.partitions[0]!.metadata, 'hr1:test', 'commit metadata travels with sendOffsets');

    const reader = kafka.consumer({ groupId: `${prefix}-reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const values: string[] = [];
    await reader.connect();
    await reader.subscribe({ topic: txnOut, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void reader.run({
        eachMessage: async ({ message }: { message: KafkaMessage }) => {
          values.push(message.value!.toString());
          if (values.includes('committed-after')) resolve();
        },
      });
    });
    await reader.disconnect();
    assert.deepEqual(values, ['committed', 'committed-after']);
  });
});
