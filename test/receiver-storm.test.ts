// The storm of issue 19, against the real broker, real receivers on loopback and a real
// deliverer with the protection defaults: one tier, three subscriptions on three origins at
// 40 deliveries/s each. `healthy` answers at once; for 60 s `slow` takes 1.5 s per request and
// `down` answers 503 (its ladder of 4 retries, 1 + 4 + 16 + 64 s, outlasts the outage). Counted:
// healthy's latency before and during the storm (printed), what slow held of the lane, what `down` saw before its breaker opened,
// while it was open and in the 5 s after it closed, and where every delivery ended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { H } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, readAll, startPacedDeliveries, testSubscription, type TestInstall } from './support/topics.ts';

const RATE = 40;
const BEFORE_MS = Number(process.env.STORM_BEFORE_MS ?? 15_000);
const STORM_MS = Number(process.env.STORM_MS ?? 60_000);
const AFTER_MS = Number(process.env.STORM_AFTER_MS ?? 15_000);
/** The first seconds warm connections and consumers up: left out of "before". */
const WARM_MS = 3_000;

const p99 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
};
/** A series of the deliverer's /metrics for one destination (undefined when absent). */
async function metricOf(port: number, name: string, destination: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`hookrail_destination="${destination}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}
const sentAt = (r: ReceivedRequest) => (JSON.parse(r.body.toString()) as { sentAt: number }).sentAt;

describe('a storm on one tier: a slow and a down receiver beside a healthy one (one deliverer)', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let deliverer: RunningProcess;
  let opsPort: number;
  const receivers: Receiver[] = [];

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('storm'));
    deliverer = startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: 'storm-1', HOOKRAIL_DELIVERER_TIERS: '1', HOOKRAIL_DELIVERER_BACKFILL_LANES: 'false' });
    opsPort = await deliverer.ready();
  });

  after(async () => {
    const code = await deliverer?.stop();
    for (const receiver of receivers) await receiver.close();
    assert.equal(code, 0, 'the deliverer exits 0 on SIGTERM');
  });

  it('healthy keeps its latency, down is cut off fast, probed gently, released gently and loses nothing, slow is delivered', async () => {
    let storm = false;
    const healthy = await startReceiver(() => ({ status: 200 }));
    const slow = await startReceiver(() => (storm ? { status: 200, delayMs: 1_500 } : { status: 200 }));
    const down = await startReceiver(() => ({ status: storm ? 503 : 200 }));
    receivers.push(healthy, slow, down);
    const subs = [
      testSubscription({ id: 'healthy', url: healthy.url, tier: 1 }),
      testSubscription({ id: 'slow', url: slow.url, tier: 1 }),
      testSubscription({ id: 'down', url: down.url, tier: 1, retry: { retries: 4 } }),
    ];
    await applySubscriptions(kafka, install, subs);

    const traffic = await startPacedDeliveries(kafka, install, subs, RATE);
    const t0 = Date.now();
    await eventually(() => (Date.now() - t0 >= BEFORE_MS ? true : undefined), BEFORE_MS + 5_000, 'the calm before the storm', 100);
    storm = true;
    const stormFrom = Date.now();
    // What slow holds of the lane, sampled from the deliverer's /metrics through the storm.
    let slowHeldMax = 0;
    const sampler = setInterval(() => {
      void metricOf(opsPort, 'hookrail_destination_buffered', slow.url).then((v) => (slowHeldMax = Math.max(slowHeldMax, v ?? 0)), () => undefined);
    }, 500);
    await eventually(() => (Date.now() - stormFrom >= STORM_MS ? true : undefined), STORM_MS + 5_000, 'the storm to pass', 100);
    storm = false;
    clearInterval(sampler);
    const stormTo = Date.now();
    await eventually(() => (Date.now() - stormTo >= AFTER_MS ? true : undefined), AFTER_MS + 5_000, 'traffic after the storm', 100);
    await traffic.stop();

    const ids = traffic.ids;
    const all = [...ids.values()].flat();
    const dead = await eventually(async () => {
      const dlq = new Set((await readAll(kafka, install.topics.dlq)).map((r) => r.headers[H.deliveryId]!));
      const ended = (id: string) => healthy.delivered.has(id) || slow.delivered.has(id) || down.delivered.has(id) || dlq.has(id);
      return all.every(ended) ? dlq : undefined;
    }, 300_000, 'every delivery delivered or dead-lettered', 1_000);

    // Healthy's end-to-end latency, before (after warm-up) and over the whole storm.
    const latency = (from: number, to: number) => healthy.requests.filter((r) => sentAt(r) >= from && sentAt(r) < to).map((r) => r.at - sentAt(r));
    const before = latency(t0 + WARM_MS, stormFrom);
    const during = latency(stormFrom, stormTo);
    // Down's breaker, from the deliverer's log: the first opening, the last closing.
    const transitions = deliverer.logs
      .filter((l) => l.destination === down.url && String(l.msg).startsWith('circuit breaker'))
      .map((l) => ({ to: String(l.to), at: Date.parse(String(l.time)) }));
    const openedAt = transitions.find((t) => t.to === 'open')?.at;
    const closedAt = transitions.findLast((t) => t.to === 'closed')?.at;
    const failedBeforeOpen = down.requests.filter((r) => r.status === 503 && openedAt !== undefined && r.at <= openedAt).length;
    const whileOpen = down.requests.filter((r) => openedAt !== undefined && closedAt !== undefined && r.at > openedAt && r.at < closedAt).length;
    const openSeconds = openedAt !== undefined && closedAt !== undefined ? (closedAt - openedAt) / 1_000 : NaN;
    const afterClose = down.requests.filter((r) => closedAt !== undefined && r.at >= closedAt && r.at < closedAt + 5_000).length;
    const downDead = ids.get('down')!.filter((id) => dead.has(id)).length;
    const lost = all.filter((id) => !healthy.delivered.has(id) && !slow.delivered.has(id) && !down.delivered.has(id) && !dead.has(id)).length;
    console.log(
      `storm: healthy p99 ${p99(before)} ms before (${before.length} deliveries), ${p99(during)} ms during (${during.length}); ` +
        `down: ${failedBeforeOpen} failed requests before it opened, ${whileOpen} requests in ${openSeconds.toFixed(1)} s open ` +
        `(${(whileOpen / openSeconds).toFixed(2)}/s), ${afterClose} in the 5 s after it closed, ${downDead} dead letters, ` +
        `${ids.get('down')!.filter((id) => down.delivered.has(id)).length}/${ids.get('down')!.length} delivered; ` +
        `slow ${ids.get('slow')!.filter((id) => slow.delivered.has(id)).length}/${ids.get('slow')!.length} delivered; ` +
        `transitions ${transitions.map((t) => `${t.to}@${((t.at - stormFrom) / 1_000).toFixed(1)}s`).join(' ')}; lost ${lost}`,
    );
    assert.equal(lost, 0, 'nothing lost');
    assert.equal(dead.size, 0, 'no dead letters at all: every receiver accepted its deliveries in the end');
    assert.ok(openedAt !== undefined && closedAt !== undefined, 'the breaker of down opened and closed');
    assert.ok(failedBeforeOpen <= 100, `${failedBeforeOpen} failed requests before the breaker opened`);
    assert.ok(whileOpen / openSeconds <= 2, `${whileOpen} requests in ${openSeconds} s open`);
    assert.ok(afterClose <= 2 * RATE * 5, `${afterClose} requests in the 5 s after the breaker closed`);
    // Fair share, in counts: slow never held more than half the lane's 2,000 (its share with at
    // least one other subscription at work), and what it could not take was spilled. Healthy's
    // p99 before and during is printed above; its bound (≤ 3 × + 100 ms) is measured by
    // `npm run bench -- --scenario storm`, not asserted here: tests never assert on wall-clock time.
    const spilled = (await metricOf(opsPort, 'hookrail_destination_spilled_total', slow.url)) ?? 0;
    console.log(`storm: slow held at most ${slowHeldMax} deliveries of the lane; ${spilled} spilled`);
    assert.ok(slowHeldMax <= 1_000, `slow held ${slowHeldMax} deliveries of the lane's 2,000`);
    assert.ok(spilled > 0, 'slow was spilled once it held its share');
  });
});

describe('the same outage with two deliverer instances: they share the breaker', () => {
  let kafka: Kafka;
  let install: TestInstall;
  const deliverers: RunningProcess[] = [];
  const receivers: Receiver[] = [];

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('storm2'));
    for (const id of ['storm-a', 'storm-b']) {
      deliverers.push(startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: id, HOOKRAIL_DELIVERER_TIERS: '1', HOOKRAIL_DELIVERER_BACKFILL_LANES: 'false' }));
    }
    await Promise.all(deliverers.map((d) => d.ready(120_000)));
  });

  after(async () => {
    const codes = await Promise.all(deliverers.map((d) => d.stop()));
    for (const receiver of receivers) await receiver.close();
    assert.deepEqual(codes, [0, 0], 'both deliverers exit 0 on SIGTERM');
  });

  it('a receiver that is down gets the probes of one instance, not of both; nothing is lost or dead-lettered', async () => {
    let failing = false;
    const down = await startReceiver(() => ({ status: failing ? 503 : 200 }));
    receivers.push(down);
    const sub = testSubscription({ id: 'down', url: down.url, tier: 1, retry: { retries: 4 } });
    await applySubscriptions(kafka, install, [sub]);
    // Both instances must hold partitions of the tier before the outage: the test is about two breakers.
    const assigned = (d: RunningProcess) => d.logs.some((l) => l.msg === 'partitions assigned' && Number(l.partitions) > 0);
    await eventually(() => (deliverers.every(assigned) ? true : undefined), 120_000, 'both instances to hold partitions of the tier', 250);
    const traffic = await startPacedDeliveries(kafka, install, [sub], RATE);
    const t0 = Date.now();
    await eventually(() => (Date.now() - t0 >= 5_000 ? true : undefined), 10_000, 'traffic to flow', 100);
    failing = true;
    const outageFrom = Date.now();
    await eventually(() => (Date.now() - outageFrom >= 45_000 ? true : undefined), 50_000, 'the outage', 100);
    failing = false;
    await eventually(() => (Date.now() - outageFrom >= 55_000 ? true : undefined), 15_000, 'traffic after it', 100);
    await traffic.stop();
    const ids = traffic.ids.get('down')!;
    const dead = await eventually(async () => {
      const dlq = new Set((await readAll(kafka, install.topics.dlq)).map((r) => r.headers[H.deliveryId]!));
      return ids.every((id) => down.delivered.has(id) || dlq.has(id)) ? dlq : undefined;
    }, 300_000, 'every delivery delivered or dead-lettered', 1_000);

    const transitions = deliverers.map((d) =>
      d.logs.filter((l) => l.destination === down.url && String(l.msg).startsWith('circuit breaker')).map((l) => ({ to: String(l.to), at: Date.parse(String(l.time)) })),
    );
    const halfOpens = transitions.map((list) => list.filter((t) => t.to === 'half-open').length);
    const all = transitions.flat().sort((a, b) => a.at - b.at);
    const openedAt = all.find((t) => t.to === 'open')?.at;
    const closedAt = all.findLast((t) => t.to === 'closed')?.at;
    const whileOpen = down.requests.filter((r) => openedAt !== undefined && closedAt !== undefined && r.at > openedAt && r.at < closedAt).length;
    const openSeconds = openedAt !== undefined && closedAt !== undefined ? (closedAt - openedAt) / 1_000 : NaN;
    console.log(
      `two instances: half-open periods per instance ${halfOpens.join(' / ')}; ${whileOpen} requests in ${openSeconds.toFixed(1)} s open; ` +
        `transitions ${transitions.map((list, i) => `${i === 0 ? 'a' : 'b'}: ${list.map((t) => `${t.to}@${((t.at - outageFrom) / 1_000).toFixed(1)}s`).join(' ')}`).join('; ')}; ` +
        `${ids.filter((id) => down.delivered.has(id)).length}/${ids.length} delivered, ${dead.size} dead-lettered`,
    );
    assert.equal(dead.size, 0, 'no dead letters');
    assert.ok(openedAt !== undefined && closedAt !== undefined, 'the breaker opened and closed');
    assert.ok(halfOpens.filter((n) => n > 0).length <= 1, `only one instance probed (half-open periods ${halfOpens.join(' / ')})`);
    assert.ok(whileOpen / openSeconds <= 2, `${whileOpen} requests in ${openSeconds} s open`);
  });
});
