// Protecting receivers, against the real broker and real receivers on loopback: the circuit
// breaker per destination (a receiver that fails, then recovers), the adaptive concurrency
// limit (a receiver that slows from 5 ms to 2 s) and tier isolation under a storm (ten times
// the traffic to a hung tier-3 receiver). Counts, not timings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { H } from '@hookrail/shared';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { fetchJson, fetchText } from './support/monitor.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, readAll, testSubscription, type TestInstall } from './support/topics.ts';

// The breaker as configured for the test: small numbers so it trips and recovers quickly.
const MIN_REQUESTS = 10;
const PROBES = 2;

describe('protecting receivers', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let deliverer: RunningProcess;
  let monitor: RunningProcess;
  let opsPort: number;
  let monitorPort: number;
  const receivers: Receiver[] = [];
  let releaseHung!: () => void;
  const hung = new Promise<void>((resolve) => (releaseHung = resolve));

  before(async () => {
    kafka = testKafka();
    // Short ladders: tier 1 and 2 retry after 1, 4 and 16 s; tier 3 after 1 and 4 s.
    install = await createTestInstall(kafka, uniquePrefix('protect'), { tiers: { 1: { retries: 3 }, 2: { retries: 3 }, 3: { retries: 2 } } });
    deliverer = startService('deliverer', {
      ...install.env,
      HOOKRAIL_INSTANCE_ID: 'p1',
      HOOKRAIL_BREAKER_WINDOW: '10s',
      HOOKRAIL_BREAKER_MIN_REQUESTS: String(MIN_REQUESTS),
      HOOKRAIL_BREAKER_FAILURE_RATIO: '0.5',
      HOOKRAIL_BREAKER_OPEN: '2s',
      HOOKRAIL_BREAKER_PROBES: String(PROBES),
      HOOKRAIL_HTTP_HEADERS_TIMEOUT: '3s',
      HOOKRAIL_HTTP_TOTAL_TIMEOUT: '3s',
    });
    // The monitor with its windows scaled down 100×: the breaker alert's 1 m `for` is 0.6 s.
    monitor = startService('monitor', {
      ...install.env,
      HOOKRAIL_MONITOR_POLL_INTERVAL: '500ms',
      HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '250ms',
      HOOKRAIL_MONITOR_STATUS_WINDOW: '1h',
      HOOKRAIL_ALERTS_TIME_SCALE: '0.01',
    });
    [opsPort, monitorPort] = await Promise.all([deliverer.ready(), monitor.ready()]);
  });

  after(async () => {
    releaseHung();
    const [code] = await Promise.all([deliverer?.stop(), monitor?.stop()]);
    for (const receiver of receivers) await receiver.close();
    assert.equal(code, 0, 'the deliverer exits 0 on SIGTERM');
  });

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  /** The endpoint the guard keys the receiver by: its URL (no query). */
  const endpointOf = (r: Receiver) => r.url;
  const breakerLines = (r: Receiver, to: 'open' | 'closed') =>
    deliverer.logs.filter((l) => l.destination === endpointOf(r) && l.to === to && String(l.msg).startsWith('circuit breaker'));
  /** The deliverer's /metrics value of a destination's series. */
  const metric = async (name: string, r: Receiver) => {
    const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`hookrail_destination="${endpointOf(r)}"`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  const deadLetters = async (subscription: string) =>
    new Set((await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === subscription).map((r) => r.headers[H.deliveryId]!));

  it('a receiver that fails and recovers: the breaker opens, only probes reach it while open, it closes, every delivery ends delivered or dead-lettered', async () => {
    let failing = true;
    const MAX_IN_FLIGHT = 4;
    const flaky = await receiver(() => ({ status: failing ? 502 : 200 }));
    const sub = testSubscription({ id: 'flaky', url: flaky.url, tier: 2, maxInFlight: MAX_IN_FLIGHT });
    await applySubscriptions(kafka, install, [sub]);
    const ids = await produceDeliveries(kafka, install, sub, 100);

    // Open, then a failed probe opens it again: two open periods while the receiver fails.
    await eventually(() => (breakerLines(flaky, 'open').length >= 2 ? true : undefined), 60_000, 'the breaker to open twice');
    // The monitor shows it on /status and the status page, and its alert fires, scored.
    const alert = await eventually(async () => {
      const status = await fetchJson(monitorPort, '/status');
      const shown = status.destinations.some((d: { destination: string; breaker: string }) => d.destination === endpointOf(flaky) && d.breaker !== 'closed');
      const firing = status.alerts.find((a: { name: string; phase: string; labels: Record<string, string> }) => a.name === 'HookrailCircuitBreakerOpen' && a.phase === 'firing' && a.labels.hookrail_destination === endpointOf(flaky));
      return shown && firing ? firing : undefined;
    }, 60_000, 'the monitor to show the open breaker and fire its alert');
    assert.match(await fetchText(monitorPort, '/status.html'), new RegExp(`data-destination="${endpointOf(flaky)}" data-breaker="(open|half-open)"`));
    failing = false;
    const failedRequests = flaky.requests.filter((r) => r.status === 502).length;
    await eventually(() => (breakerLines(flaky, 'closed').length >= 1 ? true : undefined), 60_000, 'the breaker to close');

    const dead = await eventually(async () => {
      const d = await deadLetters('flaky');
      return ids.every((id) => flaky.delivered.has(id) || d.has(id)) ? d : undefined;
    }, 90_000, 'every delivery to be delivered or dead-lettered');
    const opens = breakerLines(flaky, 'open').length;
    const attempts = (await readAll(kafka, install.topics.attempts)).map((r) => JSON.parse(r.value)).filter((a) => a.subscriptionId === 'flaky');
    const held = attempts.filter((a) => a.http === false && a.errorClass === 'circuit-open').length;
    console.log(`breaker alert: ${alert.summary}; score ${alert.score.score} (${alert.score.priority}), subscription ${alert.subscription}`);
    console.log(
      `breaker: ${flaky.requests.length} requests (${failedRequests} answered 502), ${opens} open periods, ${held} attempts held back without a request, ` +
        `${ids.filter((id) => flaky.delivered.has(id)).length} delivered, ${dead.size} dead-lettered`,
    );
    // Before the first opening: the window's minimum, plus what was in flight when it opened;
    // then each open period ends in at most PROBES probes.
    assert.ok(failedRequests <= MIN_REQUESTS + MAX_IN_FLIGHT + opens * PROBES, `${failedRequests} failed requests for ${opens} open periods`);
    assert.ok(failedRequests < ids.length, 'fewer requests than deliveries while the receiver failed');
    assert.ok(held > 0, 'deliveries were held back without a request');
    assert.equal(ids.filter((id) => flaky.delivered.has(id) && dead.has(id)).length, 0, 'none both delivered and dead-lettered');
    assert.equal(await metric('hookrail_destination_breaker_state', flaky), 0, 'the metric says closed');
    const exposition = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    const tier2Transactions = exposition.split('\n').find((l) => l.startsWith('hookrail_kafka_transaction_duration_seconds_count{') && l.includes('hookrail_lane="tier2"') && l.includes('hookrail_outcome="committed"'));
    assert.ok(tier2Transactions && Number(tier2Transactions.split(' ').at(-1)) > 0, `the tier-2 lane's committed transactions are in /metrics (${tier2Transactions})`);
    assert.equal(alert.subscription, 'flaky');
    assert.ok(alert.score.score > 0);
  });

  it('a receiver that slows from 5 ms to 2 s gets fewer requests in flight; another subscription of the tier keeps delivering', async () => {
    let slow = false;
    const MAX_IN_FLIGHT = 16;
    /** In flight at the receiver when each slow request arrived, in order. */
    const inFlightAtArrival: number[] = [];
    const slowing: Receiver = await receiver(() => {
      if (!slow) return { status: 200, delayMs: 5 };
      inFlightAtArrival.push(slowing.inFlight);
      return { status: 200, delayMs: 2_000 };
    });
    const steady = await receiver(() => ({ status: 200, delayMs: 5 }));
    const slowSub = testSubscription({ id: 'slowing', url: slowing.url, tier: 1, maxInFlight: MAX_IN_FLIGHT });
    const steadySub = testSubscription({ id: 'steady', url: steady.url, tier: 1 });
    await applySubscriptions(kafka, install, [slowSub, steadySub]);

    const fast = await produceDeliveries(kafka, install, slowSub, 50);
    await eventually(() => (fast.every((id) => slowing.delivered.has(id)) ? true : undefined), 60_000, 'the fast deliveries');
    slow = true;
    await produceDeliveries(kafka, install, slowSub, 300);
    // Four round trips at 2 s: 16 → 8 → 4 → 2 requests in flight if the limit halves each time.
    await eventually(() => (inFlightAtArrival.length >= 40 ? true : undefined), 120_000, '40 slow requests');
    const steadyIds = await produceDeliveries(kafka, install, steadySub, 100);
    await eventually(() => (steadyIds.every((id) => steady.delivered.has(id)) ? true : undefined), 60_000, 'the steady subscription\'s deliveries');
    const stillSlow = slow && slowing.inFlight > 0;
    const limit = await metric('hookrail_destination_inflight_limit', slowing);
    const first = Math.max(...inFlightAtArrival.slice(0, MAX_IN_FLIGHT));
    const last = Math.max(...inFlightAtArrival.slice(-5));
    slow = false;
    console.log(`adaptive: peak in flight ${first} in the first slow round trip, ${last} over the last 5 slow arrivals (of ${inFlightAtArrival.length}); limit now ${limit}; steady delivered ${steadyIds.filter((id) => steady.delivered.has(id)).length}/100`);
    assert.ok(first >= MAX_IN_FLIGHT / 2, `the first slow round trip had ${first} in flight`);
    assert.ok(last <= MAX_IN_FLIGHT / 4, `in flight shrank to ${last}`);
    assert.ok(limit !== undefined && limit <= MAX_IN_FLIGHT / 4, `limit gauge ${limit}`);
    assert.ok(stillSlow, 'the steady subscription was delivered while the other receiver was slow');
  });

  it('a storm: ten times the traffic to a hung tier-3 receiver; tier-1 deliveries keep flowing and all arrive', async () => {
    const hanging = await receiver(() => ({ status: 200, after: hung }));
    const vip = await receiver(() => ({ status: 200 }));
    const stormSub = testSubscription({ id: 'storm', url: hanging.url, tier: 3, maxInFlight: 16 });
    const vipSub = testSubscription({ id: 'vip', url: vip.url, tier: 1 });
    await applySubscriptions(kafka, install, [stormSub, vipSub]);

    const stormIds: string[] = [];
    const vipIds: string[] = [];
    // Interleaved: 10 rounds of 200 tier-3 and 20 tier-1 deliveries.
    for (let round = 0; round < 10; round++) {
      stormIds.push(...(await produceDeliveries(kafka, install, stormSub, 200)));
      vipIds.push(...(await produceDeliveries(kafka, install, vipSub, 20)));
    }
    await eventually(() => (vipIds.every((id) => vip.delivered.has(id)) ? true : undefined), 120_000, 'every tier-1 delivery');
    const opens = breakerLines(hanging, 'open').length;
    console.log(`storm: tier 1 delivered ${vipIds.filter((id) => vip.delivered.has(id)).length}/${vipIds.length}; the hung tier-3 receiver got ${hanging.requests.length} requests for ${stormIds.length} deliveries (breaker opened ${opens}×)`);
    assert.equal(vipIds.filter((id) => vip.delivered.has(id)).length, vipIds.length);
    assert.equal(vip.requests.length, vipIds.length, 'each tier-1 delivery was sent once');
    assert.ok(hanging.requests.length < stormIds.length / 2, `the hung receiver got ${hanging.requests.length} requests`);
  });
});
