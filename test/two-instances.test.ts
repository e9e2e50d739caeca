// Two of each: two routers and two deliverers (distinct instance ids) on a broker of the
// test's own, while 5,000 events flow. One router and one deliverer are killed with SIGKILL
// (their supervisor restarts them), a third of each joins, one router is stopped with SIGTERM,
// and the broker is stopped and started again. Counted: every (event × subscription) ends
// delivered or in the DLQ (lost 0), no delivery is dead-lettered twice, no source record is
// fanned out twice; duplicate requests to receivers are reported.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafka, deliveryId, ensureTopics, H } from '@hookrail/shared';
import { testLogger, uniquePrefix } from './support/kafka.ts';
import { ownBroker } from './support/own-broker.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { supervise, type Supervised } from './support/supervise.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const EVENTS = Number(process.env.TWO_INSTANCES_EVENTS ?? 5_000);
const broker = ownBroker('two-instances', Number(process.env.TWO_INSTANCES_KAFKA_PORT ?? 19692));
const coin = (text: string) => createHash('sha256').update(text).digest()[0]! / 256;

describe('two instances of each service under chaos', () => {
  let kafka: Kafka;
  let install: TestInstall;
  const receivers: Receiver[] = [];
  const services: Supervised[] = [];
  const source = uniquePrefix('two-source');

  before(async () => {
    broker.start();
    kafka = createKafka({ brokers: [broker.address], clientId: 'two-instances-test', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, testLogger);
    install = await createTestInstall(kafka, uniquePrefix('two'), { tiers: { 1: { retries: 2 }, 2: { retries: 2 }, 3: { retries: 2 } } });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 6, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
    // alpha: 10 % of attempts fail with 503; beta: 1 event in 10 refused for good (400).
    receivers.push(await startReceiver((r) => ({ status: coin(`${r.webhookId}/${r.seen}`) < 0.1 ? 503 : 200 })));
    receivers.push(await startReceiver((r) => ({ status: coin(r.webhookId) < 0.1 ? 400 : 200 })));
    await applySubscriptions(kafka, install, [
      testSubscription({ id: 'alpha', url: receivers[0]!.url, tier: 1 }),
      testSubscription({ id: 'beta', url: receivers[1]!.url, tier: 2, eventTypes: ['order.*'] }),
    ]);
  });

  after(async () => {
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    for (const receiver of receivers) await receiver.close();
    broker.remove();
  });

  it('loses nothing, dead-letters nothing twice and fans nothing out twice', async () => {
    const env = { ...install.env, HOOKRAIL_KAFKA_BROKERS: broker.address, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'info' };
    const start = (name: 'router' | 'deliverer', id: string) => {
      const service = supervise(name, { ...env, HOOKRAIL_INSTANCE_ID: id });
      services.push(service);
      return service;
    };
    const [routerA, routerB, delivererA, delivererB] = [start('router', 'r-a'), start('router', 'r-b'), start('deliverer', 'd-a'), start('deliverer', 'd-b')];
    await Promise.all([routerA, routerB, delivererA, delivererB].map((service) => service.ready()));

    const expected = new Set<string>();
    const events = Array.from({ length: EVENTS }, (_, n) => {
      const id = randomUUID();
      const type = n % 2 === 0 ? 'order.created' : 'user.updated';
      expected.add(deliveryId(id, 'alpha'));
      if (type.startsWith('order.')) expected.add(deliveryId(id, 'beta'));
      return { key: id, value: JSON.stringify({ id, type }) };
    });

    const chaos: string[] = [];
    const chunks = 10;
    for (let chunk = 0; chunk < chunks; chunk++) {
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic: source, acks: -1, messages: events.slice((chunk * EVENTS) / chunks, ((chunk + 1) * EVENTS) / chunks) });
      await producer.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 600));
      if (chunk === 1) {
        await routerA.kill('SIGKILL');
        await delivererB.kill('SIGKILL');
        chaos.push('SIGKILL router r-a, deliverer d-b');
      } else if (chunk === 3) {
        start('router', 'r-c');
        start('deliverer', 'd-c');
        chaos.push('added router r-c, deliverer d-c');
      } else if (chunk === 5) {
        assert.equal(await routerB.stop('SIGTERM'), 0, 'a router stopped with SIGTERM exits 0');
        chaos.push('SIGTERM router r-b');
      } else if (chunk === 7) {
        broker.stop();
        broker.start();
        chaos.push('broker stopped and started');
      }
    }

    const delivered = () => new Set(receivers.flatMap((r) => [...r.delivered]));
    let dlq: Awaited<ReturnType<typeof readAll>> = [];
    await eventually(async () => {
      const done = delivered();
      const read = await readAll(kafka, install.topics.dlq).catch(() => undefined);
      if (!read) return undefined;
      dlq = read;
      const dead = new Set(dlq.map((r) => r.headers[H.deliveryId]!));
      const missing = [...expected].filter((id) => !done.has(id) && !dead.has(id));
      if (process.env.TEST_DEBUG) console.log(`# missing ${missing.length}`);
      return missing.length === 0 ? true : undefined;
    }, 300_000, 'every delivery to be delivered or dead-lettered', 2_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${services.map((s) => s.problems().join('\n')).join('\n---\n')}`);
    });

    // Fan-outs: each delivery id appears once in its tier topic (attempt 0), whatever the chaos.
    const fanned = new Map<string, number>();
    for (const topic of [install.topics.tier(1), install.topics.tier(2)]) {
      for (const record of await readAll(kafka, topic)) fanned.set(record.headers[H.deliveryId]!, (fanned.get(record.headers[H.deliveryId]!) ?? 0) + 1);
    }
    const fannedTwice = [...fanned].filter(([, count]) => count > 1).length;
    const deadCounts = new Map<string, number>();
    for (const r of dlq) deadCounts.set(r.headers[H.deliveryId]!, (deadCounts.get(r.headers[H.deliveryId]!) ?? 0) + 1);
    const deadTwice = [...deadCounts].filter(([, count]) => count > 1).length;
    let duplicates = 0;
    for (const receiver of receivers) {
      const succeeded = new Set<string>();
      for (const request of receiver.requests) {
        if (succeeded.has(request.webhookId)) duplicates++;
        if (request.status !== undefined && request.status < 300) succeeded.add(request.webhookId);
      }
    }
    const done = delivered();
    const logged = (message: string) => services.reduce((sum, s) => sum + s.logs.filter((l) => l.msg === message).length, 0);
    console.log(
      `# two instances: events=${EVENTS} expected=${expected.size} delivered=${[...expected].filter((id) => done.has(id)).length} ` +
        `dlq=${deadCounts.size} dlq-twice=${deadTwice} fanned-out=${fanned.size} fanned-out-twice=${fannedTwice} ` +
        `duplicate-requests-after-2xx=${duplicates} membership-in-doubt=${logged('membership in doubt; commits stop until the group settles')} ` +
        `transactions-aborted-for-doubt=${logged('transaction aborted before its offsets: membership came into doubt')} partitions-dropped=${logged('partition dropped')} restarts=${services.map((s) => s.restarts).join('/')} lost=0 chaos=[${chaos.join('; ')}]`,
    );
    if (process.env.TEST_LOG_DIR) {
      for (const [n, service] of services.entries()) writeFileSync(join(process.env.TEST_LOG_DIR, `service-${n}.jsonl`), service.logs.map((l) => JSON.stringify(l)).join('\n'));
    }
    // Why services exited and were restarted (the supervisor's restarts above): for the record.
    for (const service of services) {
      for (const line of service.logs.filter((l) => l.level === 'fatal' || l.level === 60)) console.log(`# exit: ${JSON.stringify(line).slice(0, 300)}`);
    }
    assert.equal(fanned.size, expected.size, 'every expected delivery was fanned out');
    assert.equal(fannedTwice, 0, 'no source record is fanned out twice');
    assert.equal(deadTwice, 0, 'no delivery is dead-lettered twice');
    for (const service of services) if (service !== routerB) assert.equal(await service.stop('SIGTERM'), 0, 'every service stops cleanly');
  });
});
