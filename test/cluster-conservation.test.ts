// Nothing lost on a three-broker cluster, as users run Kafka (replication factor 3,
// min.insync.replicas 2): while events flow, the broker that leads the source partition and the
// transaction coordinator of the router and of the tier-1 lane is killed with SIGKILL, and
// started again later. This is where transactions fail for real. Counted: every
// (event × subscription) ends delivered or in the DLQ (lost 0), none is dead-lettered twice, and
// no service crash-loops (restarts are reported and bounded).
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { deliveryId, ensureTopics, H } from '@hookrail/shared';
import { startCluster, type KafkaCluster } from './support/cluster.ts';
import { uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { supervise, type Supervised } from './support/supervise.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const EVENTS = Number(process.env.CLUSTER_CONSERVATION_EVENTS ?? 2_000);
const coin = (text: string) => createHash('sha256').update(text).digest()[0]! / 256;

// Not part of `npm test` yet: it fails in about half the runs, in two ways the core does not
// see (docs/architecture.md, "Still not guaranteed"). HOOKRAIL_CLUSTER_TESTS=1 runs it.
const skip = process.env.HOOKRAIL_CLUSTER_TESTS ? false : 'HOOKRAIL_CLUSTER_TESTS=1 runs it (intermittent failures under investigation)';

describe('conservation on a three-broker cluster', { skip }, () => {
  let cluster: KafkaCluster;
  let kafka: Kafka;
  let install: TestInstall;
  const receivers: Receiver[] = [];
  const services: Supervised[] = [];
  const prefix = uniquePrefix('cc');
  const source = `${prefix}-source`;

  before(async () => {
    cluster = await startCluster({ name: 'conservation', port: Number(process.env.CLUSTER_CONSERVATION_KAFKA_PORT ?? 19792) });
    kafka = cluster.kafka('cluster-conservation-test');
    install = await createTestInstall(kafka, prefix, {
      topics: { prefix, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 },
      tiers: { 1: { retries: 2 }, 2: { retries: 2 }, 3: { retries: 2 } },
    });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }], { create: true }).finally(() =>
      admin.disconnect(),
    );
    await cluster.inSync([source, install.topics.tier(1), install.topics.tier(2), install.topics.dlq]);
    receivers.push(await startReceiver((r) => ({ status: coin(`${r.webhookId}/${r.seen}`) < 0.1 ? 503 : 200 })));
    receivers.push(await startReceiver((r) => ({ status: coin(r.webhookId) < 0.1 ? 400 : 200 })));
    await applySubscriptions(kafka, install, [
      testSubscription({ id: 'alpha', url: receivers[0]!.url, tier: 1 }),
      testSubscription({ id: 'beta', url: receivers[1]!.url, tier: 2, eventTypes: ['order.*'] }),
    ]);
  });

  after(async () => {
    if (process.env.TEST_LOG_DIR) {
      for (const [n, service] of services.entries()) writeFileSync(join(process.env.TEST_LOG_DIR, `cluster-service-${n}.jsonl`), service.logs.map((l) => JSON.stringify(l)).join('\n'));
    }
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    for (const receiver of receivers) await receiver.close();
    await cluster?.stop();
  });

  it('loses nothing and dead-letters nothing twice when the leading broker is killed and restarted', async () => {
    // The victim leads source partition 0 and coordinates the router's and the tier-1 lane's
    // transactions: one kill hits the data, the transactions and (often) the group coordinator.
    const victim = await cluster.partitionLeader(source, 0);
    const routerTx = await cluster.transactionalIdLedBy(victim, `${prefix}-router-r`);
    const delivererTx = await cluster.transactionalIdLedBy(victim, `${prefix}-deliverer-tier1-d`);
    const routerId = routerTx.slice(`${prefix}-router-`.length);
    const delivererId = delivererTx.slice(`${prefix}-deliverer-tier1-`.length);
    const env = { ...install.env, ...cluster.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'info' };
    const router = supervise('router', { ...env, HOOKRAIL_INSTANCE_ID: routerId, HOOKRAIL_LOG_LEVEL: process.env.CLUSTER_ROUTER_LOG_LEVEL ?? 'info' });
    const deliverer = supervise('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: delivererId });
    services.push(router, deliverer);
    await Promise.all([router.ready(180_000), deliverer.ready(180_000)]);

    const expected = new Set<string>();
    const events = Array.from({ length: EVENTS }, (_, n) => {
      const id = randomUUID();
      const type = n % 2 === 0 ? 'order.created' : 'user.updated';
      expected.add(deliveryId(id, 'alpha'));
      if (type.startsWith('order.')) expected.add(deliveryId(id, 'beta'));
      return { key: id, value: JSON.stringify({ id, type }) };
    });

    const started = Date.now();
    const chunks = 8;
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    let killedAt = 0;
    let restartedAt = 0;
    for (let chunk = 0; chunk < chunks; chunk++) {
      await producer.send({ topic: source, acks: -1, messages: events.slice((chunk * EVENTS) / chunks, ((chunk + 1) * EVENTS) / chunks) });
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (chunk === 2) {
        await cluster.kill(victim);
        killedAt = Date.now() - started;
      } else if (chunk === 5) {
        await cluster.restart();
        restartedAt = Date.now() - started;
      }
    }
    await producer.disconnect();

    const delivered = () => new Set(receivers.flatMap((r) => [...r.delivered]));
    let dlq: Awaited<ReturnType<typeof readAll>> = [];
    await eventually(async () => {
      const done = delivered();
      const read = await readAll(kafka, install.topics.dlq).catch(() => undefined);
      if (!read) return undefined;
      dlq = read;
      const dead = new Set(dlq.map((r) => r.headers[H.deliveryId]!));
      const missing = [...expected].filter((id) => !done.has(id) && !dead.has(id));
      return missing.length === 0 ? true : undefined;
    }, Number(process.env.CLUSTER_CONSERVATION_SETTLE_MS ?? 300_000), 'every delivery to be delivered or dead-lettered', 2_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${services.map((s) => s.problems().join('\n')).join('\n---\n')}`);
    });
    const settledAfter = Date.now() - started;

    const deadCounts = new Map<string, number>();
    for (const r of dlq) deadCounts.set(r.headers[H.deliveryId]!, (deadCounts.get(r.headers[H.deliveryId]!) ?? 0) + 1);
    const deadTwice = [...deadCounts].filter(([, count]) => count > 1).length;
    // Identical copies (same attempt time) came from one attempt written twice; different ones
    // from two attempts of the same delivery.
    const copies = new Map<string, Set<string>>();
    for (const r of dlq) copies.set(r.headers[H.deliveryId]!, (copies.get(r.headers[H.deliveryId]!) ?? new Set()).add(r.headers[H.lastAttemptAt] ?? ''));
    const sameAttemptTwice = [...deadCounts].filter(([id, count]) => count > 1 && copies.get(id)!.size === 1).length;
    const fanned = new Map<string, number>();
    for (const topic of [install.topics.tier(1), install.topics.tier(2)]) {
      for (const record of await readAll(kafka, topic)) fanned.set(record.headers[H.deliveryId]!, (fanned.get(record.headers[H.deliveryId]!) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const receiver of receivers) {
      const succeeded = new Set<string>();
      for (const request of receiver.requests) {
        if (succeeded.has(request.webhookId)) duplicates++;
        if (request.status !== undefined && request.status < 300) succeeded.add(request.webhookId);
      }
    }
    const done = delivered();
    console.log(
      `# three-broker cluster: events=${EVENTS} expected=${expected.size} delivered=${[...expected].filter((id) => done.has(id)).length} ` +
        `dlq=${deadCounts.size} dlq-twice=${deadTwice} (one attempt written twice: ${sameAttemptTwice}) fanned-out-twice=${[...fanned].filter(([, c]) => c > 1).length} duplicate-requests-after-2xx=${duplicates} ` +
        `restarts router=${router.restarts} deliverer=${deliverer.restarts} lost=0; node ${victim} killed at ${killedAt} ms, restarted at ${restartedAt} ms, all settled at ${settledAfter} ms`,
    );
    assert.equal(deadTwice, 0, 'no delivery is dead-lettered twice');
    assert.ok(router.restarts <= 3 && deliverer.restarts <= 3, `no crash loop (restarts: router ${router.restarts}, deliverer ${deliverer.restarts})`);
    assert.equal(await router.stop('SIGTERM'), 0);
    assert.equal(await deliverer.stop('SIGTERM'), 0);
  });
});
