// Two of each: two routers and two deliverers (distinct instance ids) on a broker of the
// test's own, while 5,000 events flow. One router and one deliverer are killed with SIGKILL
// (their supervisor restarts them), a third of each joins, one router is stopped with SIGTERM,
// and the broker is stopped and started again. Counted: every (event × subscription) ends
// delivered or in the DLQ (lost 0), no delivery is dead-lettered twice, no source record is
// fanned out twice; duplicate requests to receivers are reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafka, ensureTopics } from '@hookrail/shared';
import { testLogger, uniquePrefix } from './support/kafka.ts';
import { ownBroker } from './support/own-broker.ts';
import type { Receiver } from './support/receiver.ts';
import { supervise, writeLogs, type Supervised } from './support/supervise.ts';
import { alphaAndBeta, alphaBetaEvents, settleAndTally } from './support/tally.ts';
import { createTestInstall, type TestInstall } from './support/topics.ts';

const EVENTS = Number(process.env.TWO_INSTANCES_EVENTS ?? 5_000);
const broker = ownBroker('two-instances', Number(process.env.TWO_INSTANCES_KAFKA_PORT ?? 19692));

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
    receivers.push(...(await alphaAndBeta(kafka, install)));
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
    await Promise.all([routerA, routerB, delivererA, delivererB].map((service) => service.ready(300_000)));

    const expected = new Set<string>();
    const events = alphaBetaEvents(EVENTS, expected);

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

    const tally = await settleAndTally({
      kafka,
      install,
      receivers,
      expected,
      timeoutMs: 480_000,
      problems: () => services.map((s) => s.problems().join('\n')).join('\n---\n'),
    });
    const logged = (message: string) => services.reduce((sum, s) => sum + s.logs.filter((l) => l.msg === message).length, 0);
    console.log(
      `# two instances: events=${EVENTS} expected=${expected.size} delivered=${tally.delivered} ` +
        `dlq=${tally.deadLettered} dlq-twice=${tally.deadTwice} fanned-out=${tally.fannedOut} fanned-out-twice=${tally.fannedTwice} ` +
        `duplicate-requests-after-2xx=${tally.duplicateRequests} membership-in-doubt=${logged('membership in doubt; commits stop until the group settles')} ` +
        `transactions-aborted-for-doubt=${logged('transaction aborted before its offsets: membership came into doubt')} partitions-dropped=${logged('partition dropped')} restarts=${services.map((s) => s.restarts).join('/')} lost=0 chaos=[${chaos.join('; ')}]`,
    );
    writeLogs(services, 'two-instances');
    // Why services exited and were restarted (the supervisor's restarts above): for the record.
    for (const service of services) {
      for (const line of service.logs.filter((l) => l.level === 'fatal' || l.level === 60)) console.log(`# exit: ${JSON.stringify(line).slice(0, 300)}`);
    }
    assert.equal(tally.fannedOut, expected.size, 'every expected delivery was fanned out');
    assert.equal(tally.fannedTwice, 0, 'no source record is fanned out twice');
    assert.equal(tally.deadTwice, 0, 'no delivery is dead-lettered twice');
    for (const service of services) if (service !== routerB) assert.equal(await service.stop('SIGTERM'), 0, 'every service stops cleanly');
  });
});
