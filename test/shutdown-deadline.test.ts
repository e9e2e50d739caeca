// The shutdown deadline holds whatever the broker's state: with the broker gone, SIGTERM still
// ends every service within HOOKRAIL_SHUTDOWN_DEADLINE (+ 5 s of slack for a busy machine),
// with a documented exit code (README "Exit codes": 0 stopped, 1 failed, 3 deadline passed).
// The broker is one of this test's own (own data folder and ports), never the shared one; it is
// killed (SIGKILL), the abrupt way a broker goes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureTopics } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { startCluster, type KafkaCluster } from './support/cluster.ts';
import { uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, produceDeliveries, testSubscription, type TestInstall } from './support/topics.ts';

const PORT = Number(process.env.SHUTDOWN_TEST_KAFKA_PORT ?? 19492);
const DEADLINE_MS = 4_000;
const SLACK_MS = 5_000;

describe('shutdown deadline with the broker gone', () => {
  let broker: KafkaCluster;
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  const services: Array<[string, RunningProcess]> = [];
  const source = uniquePrefix('shutdown-source');

  before(async () => {
    broker = await startCluster({ name: 'shutdown', nodes: 1, port: PORT });
    kafka = broker.kafka('shutdown-test');
    install = await createTestInstall(kafka, uniquePrefix('shutdown'));
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: source, partitions: 1, replicationFactor: 1, configs: {} }], { create: true }).finally(() => admin.disconnect());
    // A receiver that never answers in time: the deliverer has requests in flight at SIGTERM.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 60_000 }));
    await applySubscriptions(kafka, install, [testSubscription({ id: 'stuck', url: receiver.url, tier: 1 })]);
  });

  after(async () => {
    for (const [, service] of services) await service.stop('SIGKILL', 5_000);
    await receiver?.close();
    await broker?.stop();
  });

  it('router, deliverer and monitor each exit within the deadline + 5 s of SIGTERM, with a documented code', async () => {
    const env = {
      ...install.env,
      HOOKRAIL_KAFKA_BROKERS: broker.brokers.join(','),
      HOOKRAIL_SHUTDOWN_DEADLINE: `${DEADLINE_MS}ms`,
      HOOKRAIL_DELIVERER_DRAIN: '30s', // longer than the deadline: only the deadline can end it
      HOOKRAIL_ROUTER_SOURCE_TOPICS: source,
    };
    services.push(
      ['router', startService('router', { ...env, HOOKRAIL_INSTANCE_ID: 'shutdown-router' })],
      ['deliverer', startService('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: 'shutdown-deliverer' })],
      ['monitor', startService('monitor', { ...env, HOOKRAIL_MONITOR_POLL_INTERVAL: '500ms' })],
    );
    await Promise.all(services.map(([, service]) => service.ready(120_000)));
    await produceDeliveries(kafka, install, testSubscription({ id: 'stuck', url: receiver.url, tier: 1 }), 3);
    await waitFor(() => receiver.requests.length > 0, 120_000, 'a request in flight');

    await broker.kill(1);
    const results = await Promise.all(
      services.map(async ([name, service]) => {
        const signalled = Date.now();
        service.child.kill('SIGTERM');
        const code = await Promise.race([service.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), DEADLINE_MS + SLACK_MS))]);
        return { name, code, ms: Date.now() - signalled, logs: service.logs.slice(-5).map((l) => JSON.stringify(l).slice(0, 300)) };
      }),
    );
    console.log(`# shutdown with the broker gone (deadline ${DEADLINE_MS} ms): ${results.map((r) => `${r.name} exit ${r.code} after ${r.ms} ms`).join(', ')}`);
    for (const result of results) {
      assert.ok([0, 1, 3].includes(result.code as number), `${result.name}: ${result.code} (${result.ms} ms)\n${result.logs.join('\n')}`);
    }
    const deliverer = results.find((r) => r.name === 'deliverer')!;
    assert.equal(deliverer.code, 3, 'the deliverer, with requests in flight and no broker, exits 3 at the deadline');
  });

  it('a service still starting against a broker that is gone exits within the deadline + 5 s of SIGTERM', async () => {
    // The broker is gone since the test above (or from now, when run alone).
    if (broker.running(1)) await broker.kill(1);
    const env = { ...install.env, HOOKRAIL_KAFKA_BROKERS: broker.brokers.join(','), HOOKRAIL_SHUTDOWN_DEADLINE: `${DEADLINE_MS}ms`, HOOKRAIL_ROUTER_SOURCE_TOPICS: source };
    const starting: Array<[string, RunningProcess]> = [
      ['router', startService('router', { ...env, HOOKRAIL_INSTANCE_ID: 'shutdown-router-2' })],
      ['deliverer', startService('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: 'shutdown-deliverer-2' })],
      ['monitor', startService('monitor', env)],
    ];
    services.push(...starting);
    // Each has its ops port up (it logs its first line) and is trying to reach the broker.
    await waitFor(() => starting.every(([, service]) => service.logs.some((l) => l.msg === 'starting') || service.child.exitCode !== null), 60_000, 'the services to start');
    const results = await Promise.all(
      starting.map(async ([name, service]) => {
        const signalled = Date.now();
        service.child.kill('SIGTERM');
        const code = await Promise.race([service.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), DEADLINE_MS + SLACK_MS))]);
        return { name, code, ms: Date.now() - signalled };
      }),
    );
    console.log(`# SIGTERM while starting without a broker (deadline ${DEADLINE_MS} ms): ${results.map((r) => `${r.name} exit ${r.code} after ${r.ms} ms`).join(', ')}`);
    for (const result of results) assert.ok([0, 1, 3].includes(result.code as number), `${result.name}: ${result.code} after ${result.ms} ms`);
  });
});

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
