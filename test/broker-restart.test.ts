// Nothing lost across broker restarts: a broker of its own (second data folder and ports) is
// stopped and started again, once cleanly and once with SIGKILL, while the router and the
// deliverer work. The services run under a supervisor that restarts whatever exits, as a
// container orchestrator would; every (event × subscription) must still end delivered or as
// exactly one DLQ record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKafka, ensureTopics, H } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { testLogger, uniquePrefix } from './support/kafka.ts';
import { ownBroker } from './support/own-broker.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { supervise } from './support/supervise.ts';
import { alphaBetaEvents } from './support/tally.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const broker = ownBroker('broker-restart', Number(process.env.RESTART_TEST_KAFKA_PORT ?? 19392));

describe('conservation across broker restarts', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  const source = uniquePrefix('restart-source');

  before(async () => {
    broker.start();
    kafka = createKafka({ brokers: [broker.address], clientId: 'restart-test', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false }, testLogger);
    install = await createTestInstall(kafka, uniquePrefix('restart'), { tiers: { 1: { retries: 3 }, 2: { retries: 3 }, 3: { retries: 3 } } });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 3, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
    // 10 % of attempts fail with 503, at random.
    receiver = await startReceiver(() => ({ status: Math.random() < 0.1 ? 503 : 200 }));
    await applySubscriptions(kafka, install, [
      testSubscription({ id: 'alpha', url: receiver.url, tier: 1 }),
      testSubscription({ id: 'beta', url: receiver.url, tier: 2, eventTypes: ['order.*'] }),
    ]);
  });

  after(async () => {
    await receiver?.close();
    broker.remove();
  });

  it('every event × subscription is delivered or dead-lettered exactly once', async () => {
    const env = { ...install.env, HOOKRAIL_KAFKA_BROKERS: broker.address, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_LOG_LEVEL: 'info' };
    const router = supervise('router', { ...env, HOOKRAIL_INSTANCE_ID: 'restart-router' });
    const deliverer = supervise('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: 'restart-deliverer' });
    await Promise.all([router.ready(), deliverer.ready()]);

    const expected = new Set<string>();
    const produce = async (count: number) => {
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const messages = alphaBetaEvents(count, expected);
      await producer.send({ topic: source, acks: -1, messages });
      await producer.disconnect();
    };

    // Work is in flight once the receiver has answered requests for this batch.
    const inFlight = async () => {
      const seen = receiver.requests.length;
      await eventually(() => (receiver.requests.length >= seen + 20 ? true : undefined), 60_000, 'deliveries of the new events', 100);
    };
    await produce(300);
    await inFlight();
    broker.stop(); // a clean broker restart while work is in flight
    broker.start();
    await produce(300);
    await inFlight();
    await broker.kill(); // and a crash
    broker.start();
    await produce(300);

    const settled = await eventually(async () => {
      if (process.env.TEST_DEBUG) console.log(`# delivered ${receiver.delivered.size}/${expected.size}`);
      const dlq = await readAll(kafka, install.topics.dlq).catch(() => undefined);
      if (!dlq) return undefined;
      const dead = dlq.map((r) => r.headers[H.deliveryId]!);
      const missing = [...expected].filter((id) => !receiver.delivered.has(id) && !dead.includes(id));
      return missing.length === 0 ? dead : undefined;
    }, 180_000, 'every delivery to be delivered or dead-lettered', 2_000).catch((error: Error) => {
      throw new Error(`${error.message}\nrouter: ${router.problems().join('\n')}\ndeliverer: ${deliverer.problems().join('\n')}`);
    });

    assert.equal(await router.stop(), 0);
    assert.equal(await deliverer.stop(), 0);
    assert.equal(new Set(settled).size, settled.length, 'no delivery is dead-lettered twice');
    const succeeded = new Set<string>();
    let duplicates = 0;
    for (const request of receiver.requests) {
      if (succeeded.has(request.webhookId)) duplicates++;
      if (request.status !== undefined && request.status < 300) succeeded.add(request.webhookId);
    }
    console.log(
      `# broker restarts: events=900 expected=${expected.size} delivered=${[...expected].filter((id) => receiver.delivered.has(id)).length} ` +
        `dlq=${settled.length} duplicates-after-2xx=${duplicates} service restarts: router=${router.restarts} deliverer=${deliverer.restarts} lost=0`,
    );
  });
});
