// The monitor's offsets against Kafka's own ConsumerGroupCommand when nothing moves: committed
// offset, log-end offset and lag must be the same numbers, partition by partition. A member
// that never committed shows its lag from the reset position; groups that are not hookrail
// services stay off the page. Parked deliveries count in their tier's queue, and alert.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Consumer, Kafka } from 'kafkajs';
import { stringify } from 'yaml';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { describeGroups, fetchJson, fetchText } from './support/monitor.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { createTestInstall, eventually, type TestInstall } from './support/topics.ts';

type Partition = { topic: string; partition: number; committed: number; uncommitted?: boolean; end: number; lag: number; lagSeconds: number };
type Group = { group: string; status: string; state: string; lag: number; maxLagSeconds: number; partitions: Partition[] };

describe('monitor: lag parity with ConsumerGroupCommand', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let monitor: RunningProcess;
  let frozen: Consumer;
  let port: number;
  let plain: string;
  let reader: string;
  let neverCommitted: string;
  let leftover: string;

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('monlag'));
    // Service group names: the monitor watches its installation's services only.
    plain = `${install.prefix}-deliverer-tier3`;
    reader = `${install.prefix}-router`;
    neverCommitted = `${install.prefix}-deliverer-tier2`;
    leftover = `${install.prefix}-dlq-replay-all`;
    // A plain topic with committed offsets part of the way (no member: the group is Empty).
    // Idempotent: a retried send under load must not write a partition's records twice.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: install.topics.tier(3), acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `r${i}` })) });
    await producer.send({ topic: install.topics.tier(2), acks: -1, messages: Array.from({ length: 12 }, (_, i) => ({ partition: i % 3, value: `w${i}` })) });
    // Deliveries of tier 1 waiting in its parking topic (no deliverer drains them here), and the parked state beside them.
    await producer.send({ topic: install.topics.parked(1), acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: i % 3, key: `s\nk${i}`, value: `p${i}` })) });
    await producer.send({ topic: install.topics.parkedState(1), acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: i % 3, key: `appended:s:k${i}`, value: '1' })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: plain, topic: install.topics.tier(3), partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '10' }, { partition: 2, offset: '0' }] });
    await admin.setOffsets({ groupId: leftover, topic: install.topics.tier(3), partitions: [{ partition: 0, offset: '0' }] });
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
    // A worker that joined, holds every partition of tier 2, reads, and never commits.
    frozen = kafka.consumer({ groupId: neverCommitted, sessionTimeout: 30_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 });
    await frozen.connect();
    await frozen.subscribe({ topic: install.topics.tier(2), fromBeginning: true });
    await frozen.run({ autoCommit: false, eachMessage: async () => {} });

    // The queue-length alert of tier 1 at 3 records, at once: the parked deliveries alone pass it.
    const monitorConfig = join(install.configFile, '..', 'monitor.yaml');
    writeFileSync(monitorConfig, stringify({ topics: { prefix: install.prefix, partitions: 3 }, monitor: { alerts: { queueLength: { forMs: 0, threshold: { 1: 3 } } } } }));
    monitor = startService('monitor', { ...install.env, HOOKRAIL_CONFIG: monitorConfig, HOOKRAIL_MONITOR_POLL_INTERVAL: '300ms', HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '500ms' });
    port = await monitor.ready();
  });

  after(async () => {
    await frozen?.disconnect();
    assert.equal(await monitor?.stop(), 0, 'the monitor exits 0 on SIGTERM');
  });

  it('prints the same committed offset, log-end offset and lag as kafka-consumer-groups', async () => {
    const status = await eventually(async () => {
      const s = await fetchJson<{ groups: Group[] }>(port, '/status');
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
    const { groups } = await fetchJson<{ groups: Group[] }>(port, '/status');
    const byName = new Map(groups.map((g) => [g.group, g]));
    assert.equal(byName.get(plain)!.state, 'Empty');
    assert.equal(byName.get(plain)!.status, 'STOPPED');
    assert.ok(byName.get(plain)!.maxLagSeconds > 0, 'unconsumed records have an age');
    assert.equal(byName.get(reader)!.status, 'OK');
    assert.equal(byName.get(reader)!.maxLagSeconds, 0);
  });

  it('a member that never committed has lag from its reset position (earliest) and turns STALLED', async () => {
    const group = await eventually(async () => {
      const { groups } = await fetchJson<{ groups: Group[] }>(port, '/status');
      const g = groups.find((x) => x.group === neverCommitted);
      return g && g.partitions.length === 3 && g.status === 'STALLED' ? g : undefined;
    }, 30_000, 'the never-committing group to be STALLED');
    assert.equal(group.state, 'Stable');
    assert.equal(group.lag, 12, 'all 12 records, counted from the first offset');
    assert.ok(group.partitions.every((p) => p.uncommitted === true && p.committed === 0 && p.lag === 4));
    const { rows } = await describeGroups([neverCommitted]);
    assert.deepEqual(rows.map((r) => [r.partition, r.current, r.end]), group.partitions.map((p) => [p.partition, null, p.end]), 'Kafka\'s tool: "-" committed, the same log-end offsets');
    const status = await fetchJson<{ tiers: Array<{ tier: number; lag: number; groupStatus: string }> }>(port, '/status');
    assert.deepEqual({ lag: status.tiers[1]!.lag, groupStatus: status.tiers[1]!.groupStatus }, { lag: 12, groupStatus: 'STALLED' }, 'the tier card says the same');
    const metrics = await fetchText(port, '/metrics');
    assert.match(metrics, new RegExp(`^hookrail_consumer_group_status\\{[^}]*messaging_consumer_group_name="${neverCommitted}",hookrail_tier="2",hookrail_consumer_group_status="STALLED"[^}]*\\} 1$`, 'm'));
    assert.match(metrics, new RegExp(`^hookrail_consumer_group_status\\{[^}]*messaging_consumer_group_name="${neverCommitted}",hookrail_tier="2",hookrail_consumer_group_status="OK"[^}]*\\} 0$`, 'm'));
  });

  it('groups that are not hookrail services (a leftover replay group) are not shown', async () => {
    const { groups } = await fetchJson<{ groups: Group[] }>(port, '/status');
    assert.equal(groups.some((g) => g.group === leftover), false);
    assert.doesNotMatch(await fetchText(port, '/status.html'), new RegExp(leftover));
  });
  it("counts parked deliveries in their tier's queue and fires the queue alert on them; the parked state is no queue", async () => {
    type Status = { queues: Record<string, number>; tiers: Array<{ tier: number; queueLength: number | null }>; alerts: Array<{ name: string; phase: string; labels: Record<string, string> }> };
    const firing = (status: Status) => status.alerts.find((a) => a.name === 'HookrailQueueLengthHigh' && a.phase === 'firing' && a.labels.hookrail_tier === '1');
    const status = await eventually(async () => {
      const s = await fetchJson<Status>(port, '/status');
      return s.queues[install.topics.parked(1)] === 5 && firing(s) ? s : undefined;
    }, 30_000, 'the parked deliveries in the queue lengths and the queue alert firing');
    assert.equal(status.tiers.find((t) => t.tier === 1)?.queueLength, 5);
    assert.equal(status.queues[install.topics.parkedState(1)], undefined, 'the parked state is not a queue');
    assert.ok(!status.alerts.some((a) => a.name === 'HookrailQueueLengthHigh' && a.labels.hookrail_tier !== '1'), 'the other tiers stay under their thresholds');
    const metrics = await fetchText(port, '/metrics');
    const parkedLine = metrics.split('\n').find((line) => line.startsWith('hookrail_queue_length{') && line.includes(`messaging_destination_name="${install.topics.parked(1)}"`));
    assert.ok(parkedLine?.includes('hookrail_topic_kind="parked"') && parkedLine.includes('hookrail_tier="1"') && parkedLine.endsWith(' 5'), parkedLine);
  });
});
