// The monitor's offsets against Kafka's own ConsumerGroupCommand when nothing moves: committed
// offset, log-end offset and lag must be the same numbers, partition by partition.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { describeGroups, fetchJson } from './support/monitor.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { createTestInstall, eventually, type TestInstall } from './support/topics.ts';

describe('monitor: lag parity with ConsumerGroupCommand', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let monitor: RunningProcess;
  let port: number;
  let plain: string;
  let reader: string;

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('monlag'));
    plain = `${install.prefix}-parity-plain`;
    reader = `${install.prefix}-parity-reader`;
    // A plain topic with committed offsets part of the way (no member: the group is Empty).
    // Idempotent: a retried send under load must not write a partition's records twice.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: install.topics.tier(3), acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `r${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: plain, topic: install.topics.tier(3), partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '10' }, { partition: 2, offset: '0' }] });
    await admin.disconnect();
    // A transactional topic read to the end by a real consumer: commit markers keep lag at 1.
    const tx = kafka.producer({ transactionalId: `${install.prefix}-parity-tx`, idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const transaction = await tx.transaction();
    await transaction.send({ topic: install.topics.invalid, messages: Array.from({ length: 9 }, (_, i) => ({ partition: i % 3, value: `x${i}` })) });
    await transaction.commit();
    await tx.disconnect();
    const consumer = kafka.consumer({ groupId: reader, maxWaitTimeInMs: 100 });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: install.topics.invalid, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void seen++ });
    await eventually(() => (seen === 9 ? true : undefined), 30_000, 'the reader to consume the 9 records');
    await consumer.disconnect(); // commits on the way out

    monitor = startService('monitor', { ...install.env, HOOKRAIL_MONITOR_POLL_INTERVAL: '300ms', HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '500ms' });
    port = await monitor.ready();
  });

  after(async () => {
    assert.equal(await monitor?.stop(), 0, 'the monitor exits 0 on SIGTERM');
  });

  it('prints the same committed offset, log-end offset and lag as kafka-consumer-groups', async () => {
    type Status = { groups: Array<{ group: string; status: string; state: string; partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag: number; lagSeconds: number }> }> };
    const status = await eventually(async () => {
      const s = await fetchJson<Status>(port, '/status');
      const ours = s.groups.filter((g) => g.group === plain || g.group === reader);
      return ours.length === 2 && ours.every((g) => g.partitions.length === 3) ? s : undefined;
    }, 30_000, 'both groups on /status');
    const { rows, output } = await describeGroups([plain, reader]);
    const monitorRows = status.groups
      .filter((g) => g.group === plain || g.group === reader)
      .flatMap((g) => g.partitions.map((p) => ({ group: g.group, topic: p.topic, partition: p.partition, current: p.committed, end: p.end, lag: p.lag })))
      .sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
    const line = (r: { group: string; topic: string; partition: number; current: number | null; end: number | null; lag: number | null }) =>
      `${r.group.padEnd(34)} ${r.topic.padEnd(28)} ${String(r.partition).padStart(2)} ${String(r.current).padStart(4)} ${String(r.end).padStart(4)} ${String(r.lag).padStart(4)}`;
    console.log(`# ConsumerGroupCommand --describe:\n${output.split('\n').filter((l) => l.trim()).map((l) => `#   ${l}`).join('\n')}`);
    console.log(`# monitor /status (group topic partition committed end lag):\n${monitorRows.map((r) => `#   ${line(r)}`).join('\n')}`);
    assert.equal(rows.length, 6, 'the tool lists 3 partitions of each group');
    assert.deepEqual(monitorRows, rows);
    assert.deepEqual(rows.filter((r) => r.group === plain).map((r) => r.lag), [8, 0, 10]);
    assert.deepEqual(rows.filter((r) => r.group === reader).map((r) => r.lag), [1, 1, 1], 'commit markers');
  });

  it('judges the groups like Burrow: Empty with lag is STOPPED, a marker is not lag', async () => {
    const { groups } = await fetchJson<{ groups: Array<{ group: string; status: string; state: string; maxLagSeconds: number }> }>(port, '/status');
    const byName = new Map(groups.map((g) => [g.group, g]));
    assert.equal(byName.get(plain)!.state, 'Empty');
    assert.equal(byName.get(plain)!.status, 'STOPPED');
    assert.ok(byName.get(plain)!.maxLagSeconds > 0, 'unconsumed records have an age');
    assert.equal(byName.get(reader)!.status, 'OK');
    assert.equal(byName.get(reader)!.maxLagSeconds, 0);
  });
});
