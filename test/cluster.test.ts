// The three-node cluster helper, proven on its own: a topic with replication factor 3 and
// min.insync.replicas 2, transactional writes read back read_committed, the partition's
// leader, which is also the producer's transaction coordinator, killed with SIGKILL while records flow,
// and restarted. Nothing committed may be lost. (The services' conservation test on this
// cluster is built on test/support/cluster.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseConfigSchema, ensureTopics, hookrailTopicSpecs, loadConfig, baseEnv } from '@hookrail/shared';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { internalPartition, startCluster, type KafkaCluster } from './support/cluster.ts';
import { uniquePrefix } from './support/kafka.ts';

describe('three-broker KRaft cluster', () => {
  let cluster: KafkaCluster;
  let kafka: Kafka;
  const topic = uniquePrefix('cluster-smoke');
  let transactionalId: string;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  before(async () => {
    const started = Date.now();
    cluster = await startCluster({ name: 'smoke' });
    console.log(`# cluster of ${cluster.nodes.length} ready in ${Date.now() - started} ms at ${cluster.brokers.join(',')}`);
    kafka = cluster.kafka();
  });
  after(async () => {
    await producer?.disconnect().catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
    await cluster?.stop();
  });

  it('places ids on internal partitions as Kafka does (Java String.hashCode)', () => {
    assert.equal(internalPartition('', 4), 0);
    // "hookrail".hashCode() = -422512843 in Java; "polygenelubricants".hashCode() = Integer.MIN_VALUE.
    assert.equal(internalPartition('hookrail', 4), 422512843 % 4);
    assert.equal(internalPartition('polygenelubricants', 4), 0);
  });

  it('hookrail creates its topics there with replication factor 3 and min.insync.replicas 2 (cluster.env)', async () => {
    const prefix = uniquePrefix('cluster-topics');
    const config = loadConfig(baseConfigSchema, { envMap: baseEnv, env: { ...cluster.env, HOOKRAIL_TOPIC_PREFIX: prefix, HOOKRAIL_TOPIC_PARTITIONS: '1' } });
    const specs = hookrailTopicSpecs(config);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const report = await ensureTopics(admin, specs, { create: true });
      assert.deepEqual(report.problems, []);
      const again = await ensureTopics(admin, specs, { create: true });
      assert.deepEqual(again.problems, [], 'verified: replication factor, min.insync.replicas, max.message.bytes');
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
      assert.ok(topics.every((t) => t.partitions.every((p) => p.replicas.length === 3)));
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: specs[0]!.name, configNames: ['min.insync.replicas'] }] });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, '2');
    } finally {
      await admin.disconnect();
    }
  });

  it('loses no committed record when the partition leader is killed and restarted, or stopped cleanly', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: topic, partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }], { create: true }).finally(() =>
      admin.disconnect(),
    );
    await cluster.inSync([topic]);
    // The node that leads the partition also coordinates the producer's transactions.
    const leader = await cluster.partitionLeader(topic, 0);
    transactionalId = await cluster.transactionalIdLedBy(leader, `${topic}-tx`);
    assert.equal(await cluster.transactionCoordinator(transactionalId), leader);

    const seen: number[] = [];
    consumer = kafka.consumer({ groupId: `${topic}-reader`, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.value!.toString())) });

    const newProducer = async () => {
      const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30_000 });
      await p.connect();
      return p;
    };
    producer = await newProducer();
    let next = 0;
    let failedTransactions = 0;
    /** One transaction of 20 numbers; a failed one is aborted and sent again (a new producer fences the old). */
    const produceBatch = async () => {
      const values = Array.from({ length: 20 }, (_, i) => next + i);
      for (let attempt = 1; ; attempt++) {
        let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
        try {
          transaction = await producer!.transaction();
          await transaction.send({ topic, messages: values.map((value) => ({ value: String(value) })) });
          await transaction.commit();
          next += values.length;
          return;
        } catch (error) {
          failedTransactions++;
          await transaction?.abort().catch(() => undefined);
          if (attempt >= 30) throw error;
          await producer!.disconnect().catch(() => undefined);
          producer = await newProducer();
        }
      }
    };

    for (let i = 0; i < 10; i++) await produceBatch();
    await cluster.kill(leader);
    console.log(`# killed node ${leader}: the partition leader and the transaction coordinator`);
    for (let i = 0; i < 10; i++) await produceBatch();
    const newLeader = await cluster.partitionLeader(topic, 0);
    assert.notEqual(newLeader, leader, 'leadership moved');
    const restartStarted = Date.now();
    await cluster.restart();
    assert.ok(cluster.nodes.every((node) => cluster.running(node)));
    await cluster.inSync([topic]);
    console.log(`# node ${leader} restarted and back in sync in ${Date.now() - restartStarted} ms`);
    for (let i = 0; i < 10; i++) await produceBatch();
    // And a clean stop of the node that leads now, while producing.
    const current = await cluster.partitionLeader(topic, 0);
    await cluster.stopNode(current);
    for (let i = 0; i < 10; i++) await produceBatch();
    await cluster.restart();
    await cluster.inSync([topic]);
    console.log(`# node ${current} stopped cleanly (SIGTERM) and restarted`);

    const deadline = Date.now() + 120_000;
    while (new Set(seen).size < next && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const distinct = new Set(seen);
    const missing = Array.from({ length: next }, (_, i) => i).filter((value) => !distinct.has(value));
    console.log(`# produced ${next} in committed transactions (${failedTransactions} failed and redone), read ${seen.length}, distinct ${distinct.size}, missing ${missing.length}, duplicates ${seen.length - distinct.size}`);
    assert.deepEqual(missing, [], 'every committed record is read');
    assert.equal(distinct.size, next, 'no aborted record is read (read_committed)');
  });
});
