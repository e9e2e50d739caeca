// Each service as an operator runs it: its own process, configured by environment, ready
// on /readyz, and out with exit code 0 on SIGTERM. A bad config stops it at once, naming
// the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startService, type ServiceName } from './support/services.ts';
import { startReceiver } from './support/receiver.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, testSubscription, type TestInstall } from './support/topics.ts';

describe('service lifecycle', () => {
  let kafka: Kafka;
  let install: TestInstall;
  const sourceTopic = uniquePrefix('lifecycle-source');

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('lifecycle'));
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: sourceTopic, partitions: 1, replicationFactor: 1, configs: {} }], { create: true }).finally(() =>
      admin.disconnect(),
    );
  });
  after(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [sourceTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const services: Array<[ServiceName, Record<string, string>]> = [
    ['router', { HOOKRAIL_ROUTER_SOURCE_TOPICS: sourceTopic }],
    ['deliverer', {}],
    ['monitor', {}],
  ];
  for (const [name, extra] of services) {
    it(`${name} starts, reports ready, serves /metrics and exits 0 on SIGTERM`, async () => {
      const service = startService(name, { ...install.env, ...extra, HOOKRAIL_INSTANCE_ID: `life-${name}` });
      const port = await service.ready();
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /target_info|# HELP/);
      const started = Date.now();
      assert.equal(await service.stop('SIGTERM'), 0);
      assert.ok(service.logs.some((l) => l.msg === 'stopped'));
      console.log(`# ${name}: stopped ${Date.now() - started} ms after SIGTERM`);
    });
  }

  it('a bad config stops a service at start-up with a message naming the field', async () => {
    const service = startService('deliverer', { ...install.env, HOOKRAIL_DELIVERER_TIERS: '4', HOOKRAIL_OPS_PORT: 'abc' });
    assert.equal(await service.exited, 2);
    const message = service.stderr.join('\n');
    assert.match(message, /invalid configuration/);
    assert.match(message, /deliverer\.tiers\.0: expected tiers 1, 2 and\/or 3 \(from HOOKRAIL_DELIVERER_TIERS="4"\)/);
    assert.match(message, /ops\.port: expected a whole number from 0 to 65535 \(from HOOKRAIL_OPS_PORT="abc"\)/);
  });

  it('the router without source topics says how to configure them', async () => {
    const service = startService('router', install.env);
    assert.equal(await service.exited, 2);
    assert.match(service.stderr.join('\n'), /router: expected source topics: set router\.sourceTopics \(HOOKRAIL_ROUTER_SOURCE_TOPICS\)/);
  });

  it('SIGTERM lets requests in flight finish and commits them: a restart redoes none', async () => {
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 1_500 }));
    const subscription = testSubscription({ id: 'slow-drain', url: receiver.url, tier: 2, maxInFlight: 50 });
    await applySubscriptions(kafka, install, [subscription]);
    const env = { ...install.env, HOOKRAIL_DELIVERER_TIERS: '2', HOOKRAIL_INSTANCE_ID: 'drain' };
    const first = startService('deliverer', env);
    await first.ready();
    await produceDeliveries(kafka, install, subscription, 20);
    await eventually(() => (receiver.inFlight === 20 ? true : undefined), 20_000, '20 requests in flight');
    const firstExit = await first.stop('SIGTERM');
    if (firstExit !== 0) console.log(first.logs.slice(-8).map((l) => JSON.stringify(l)).join('\n'));
    assert.equal(firstExit, 0);
    assert.equal(receiver.delivered.size, 20, 'every request in flight was answered before the exit');

    const second = startService('deliverer', env);
    await second.ready();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(await second.stop('SIGTERM'), 0);
    assert.equal(receiver.requests.length, 20, 'nothing was sent twice');
    await receiver.close();
  });
});
