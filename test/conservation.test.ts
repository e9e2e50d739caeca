// Nothing lost: a few thousand events × several subscriptions through the real router and
// deliverer, receivers failing at random, the deliverer killed with SIGKILL and restarted
// several times and the router once. Every (event × subscription) must end delivered (a 2xx
// seen by its receiver) or as exactly one DLQ record; the duplicates are counted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { deliveryId, ensureTopics, H } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { coin, duplicatesAfterSuccess } from './support/tally.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const EVENTS = Number(process.env.CONSERVATION_EVENTS ?? 2_000);
const DELIVERER_KILLS = 3;


describe('conservation under SIGKILL', () => {
  let kafka: Kafka;
  let install: TestInstall;
  const source = uniquePrefix('conservation-source');
  const receivers: Record<string, Receiver> = {};
  const processes: RunningProcess[] = [];

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('conservation'), {
      tiers: { 1: { retries: 2 }, 2: { retries: 2 }, 3: { retries: 2 } },
    });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 1, configs: {} }], { create: true });
    await admin.disconnect();

    // warehouse: 20 % of attempts fail with 503; analytics: always fine; partner: 1 event in
    // 10 is refused for good (400) and 1 in 10 gets 500 on every attempt (exhausts the ladder).
    receivers.warehouse = await startReceiver((r) => ({ status: coin(`${r.webhookId}/${r.seen}`) < 0.2 ? 503 : 200 }));
    receivers.analytics = await startReceiver(() => ({ status: 204 }));
    receivers.partner = await startReceiver((r) => {
      const n = coin(r.webhookId);
      return { status: n < 0.1 ? 400 : n < 0.2 ? 500 : 200 };
    });
    await applySubscriptions(kafka, install, [
      testSubscription({ id: 'warehouse', url: receivers.warehouse.url, tier: 1, eventTypes: ['*'] }),
      testSubscription({ id: 'analytics', url: receivers.analytics.url, tier: 2, eventTypes: ['order.*'] }),
      testSubscription({ id: 'partner', url: receivers.partner.url, tier: 3, eventTypes: ['order.created', 'user.*'] }),
    ]);
  });

  after(async () => {
    for (const p of processes) if (p.child.exitCode === null) await p.stop('SIGKILL');
    for (const receiver of Object.values(receivers)) await receiver.close();
  });

  const env = () => ({ ...install.env, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'warn' });
  const start = async (name: 'router' | 'deliverer', id: string) => {
    const service = startService(name, { ...env(), HOOKRAIL_LOG_LEVEL: 'info', HOOKRAIL_INSTANCE_ID: id });
    processes.push(service);
    await service.ready(90_000);
    return service;
  };

  it('every event × subscription is delivered or dead-lettered exactly once', async () => {
    const types = ['order.created', 'order.paid', 'user.updated', 'invoice.sent'];
    const expected = new Map<string, string>(); // delivery id → subscription
    const events = Array.from({ length: EVENTS }, (_, n) => {
      const id = randomUUID();
      const type = types[n % types.length]!;
      expected.set(deliveryId(id, 'warehouse'), 'warehouse');
      if (type.startsWith('order.')) expected.set(deliveryId(id, 'analytics'), 'analytics');
      if (type === 'order.created' || type.startsWith('user.')) expected.set(deliveryId(id, 'partner'), 'partner');
      return { key: id, value: JSON.stringify({ id, type, time: new Date().toISOString(), data: { n } }) };
    });

    let router = await start('router', 'conservation-router');
    let deliverer = await start('deliverer', 'conservation-deliverer');
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const chunks = 10;
    const chaos: string[] = [];
    for (let chunk = 0; chunk < chunks; chunk++) {
      await producer.send({ topic: source, acks: -1, messages: events.slice((chunk * EVENTS) / chunks, ((chunk + 1) * EVENTS) / chunks) });
      await new Promise((resolve) => setTimeout(resolve, 700));
      if (chunk % 3 === 1 && chaos.filter((c) => c === 'deliverer').length < DELIVERER_KILLS) {
        await deliverer.stop('SIGKILL');
        chaos.push('deliverer');
        deliverer = await start('deliverer', 'conservation-deliverer');
      }
      if (chunk === 4) {
        await router.stop('SIGKILL');
        chaos.push('router');
        router = await start('router', 'conservation-router');
      }
    }
    await producer.disconnect();
    if (chaos.filter((c) => c === 'deliverer').length < DELIVERER_KILLS) {
      await deliverer.stop('SIGKILL');
      chaos.push('deliverer');
      deliverer = await start('deliverer', 'conservation-deliverer');
    }

    const delivered = () => new Set([...Object.values(receivers)].flatMap((r) => [...r.delivered]));
    let dlq: Awaited<ReturnType<typeof readAll>> = [];
    const settle = await eventually(async () => {
      const done = delivered();
      dlq = await readAll(kafka, install.topics.dlq);
      const dead = new Set(dlq.map((r) => r.headers[H.deliveryId]!));
      const missing = [...expected.keys()].filter((id) => !done.has(id) && !dead.has(id));
      return missing.length === 0 ? { done, dead } : undefined;
    }, 240_000, 'every delivery to be delivered or dead-lettered', 2_000);

    assert.equal(await router.stop('SIGTERM'), 0, 'the router stops cleanly after the chaos');
    assert.equal(await deliverer.stop('SIGTERM'), 0, 'the deliverer stops cleanly after the chaos');

    const deadCounts = new Map<string, number>();
    for (const r of dlq) deadCounts.set(r.headers[H.deliveryId]!, (deadCounts.get(r.headers[H.deliveryId]!) ?? 0) + 1);
    const deadTwice = [...deadCounts].filter(([, count]) => count > 1);
    const unexpected = [...settle.done, ...settle.dead].filter((id) => !expected.has(id));
    const requests = Object.values(receivers).flatMap((r) => r.requests);
    // A duplicate: a request for a webhook-id its receiver had already answered with a 2xx.
    const duplicates = Object.values(receivers).reduce((sum, receiver) => sum + duplicatesAfterSuccess(receiver), 0);
    const both = [...settle.dead].filter((id) => settle.done.has(id)).length;

    console.log(
      `# conservation: events=${EVENTS} expected deliveries=${expected.size} delivered=${[...expected.keys()].filter((id) => settle.done.has(id)).length} ` +
        `dlq=${deadCounts.size} (records ${dlq.length}) delivered-and-dlq=${both} duplicates-after-2xx=${duplicates} ` +
        `requests=${requests.length} lost=0 chaos=${chaos.join(',')}`,
    );
    assert.deepEqual(deadTwice, [], 'no delivery is dead-lettered twice');
    assert.deepEqual(unexpected, [], 'nothing delivered that was not expected');
    assert.equal(chaos.filter((c) => c === 'deliverer').length, DELIVERER_KILLS);
    assert.ok(chaos.includes('router'));
    assert.ok(deadCounts.size > 0, 'the partner receiver sends some to the DLQ');
  });
});
