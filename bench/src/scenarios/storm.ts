// 9. Protecting receivers (issue 12): tier-1 latency with and without a tier-3 storm on a hung
// receiver, and the request rate a failing receiver sees with and without the circuit breaker.
import type { Kafka, Producer } from 'kafkajs';
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, type Install } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, produceAtRate, startPipeline, waitDelivered } from '../pipeline.ts';
import { startReceiver, type NameStats, type Receiver } from '../receiver.ts';
import type { ScenarioResult } from '../report.ts';
import { barChart } from '../svg.ts';
import { deliveryTimings } from '../timings.ts';
import { fmt, round, sleep, summarize, type Summary } from '../stats.ts';
import { outageRun, type OutageResult } from './outage.ts';

/** Requests a receiver name got: answered, and still held (a hung receiver answers none). */
const requestsOf = (s: NameStats) => s.ok + s.failed + s.inFlight;

/** A hung receiver: answers after ten minutes; the deliverer gives up after its timeout. */
const HUNG_MS = 600_000;
/** A receiver time window that never ends (epoch ms, year 2286). */
const ALWAYS = 9_999_999_999_999;
/** The deliverer's HTTP timeouts in this scenario (default 30 s): a hung request fails in 2 s. */
const TIMEOUT = '2s';

interface Phase {
  name: string;
  vipRate: number;
  stormRate: number;
  sent: number;
  vipDelivered: number;
  vipSent: number;
  latency: Summary;
  hungRequests: number;
  cpu: Record<string, number>;
  /** Source event → tier-1 record written by the router, and → the deliverer's first attempt. */
  routing?: Summary;
  delivererWait?: Summary;
  /** Scheduled send times of the phase's events. */
  from: number;
  to: number;
}

interface FailingRun {
  breaker: boolean;
  deliveries: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
}

export const storm: Scenario = {
  name: 'storm',
  title: 'Protecting receivers: tier-1 latency under a tier-3 storm; a failing receiver with and without the breaker; an outage beside a healthy receiver',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const phaseMs = context.size(15_000, 6_000);
    const skipMs = context.size(2_000, 1_000);
    const vipRate = context.size(100, 50);
    const failRate = context.size(100, 50);
    const failMs = context.size(15_000, 6_000);
    // Retries on the first rungs (1 s, 4 s) fall in the counting window too.
    const tailMs = 5_000;
    // Receivers on ports of their own: a destination is a URL origin, and the hung and the
    // failing receiver must not share the tier-1 receiver's breaker and limit.
    const hung = await startReceiver();
    const failing = await startReceiver();
    const phases: Phase[] = [];
    const runs: FailingRun[] = [];
    let install: Install | undefined;
    try {
      install = await createInstall(kafka, 'storm', { env: { HOOKRAIL_HTTP_TOTAL_TIMEOUT: TIMEOUT, HOOKRAIL_HTTP_HEADERS_TIMEOUT: TIMEOUT } });
      const vip = `${install.prefix}-vip`;
      const bulk = `${install.prefix}-bulk`;
      await applySubscriptions(kafka, install, [
        benchSubscription({ id: 'vip', url: receiver.fast(vip), tier: 1, eventTypes: ['bench.vip'] }),
        benchSubscription({ id: 'bulk', url: hung.slow(bulk, HUNG_MS), tier: 3, eventTypes: ['bench.bulk'] }),
        // Unavailable (503 to everything, for the whole run): what the breaker judges; a plain 500 goes through the ladder.
        benchSubscription({ id: 'fail-on', url: failing.during('fail-on', 0, ALWAYS, { status: 503 }), tier: 2, eventTypes: ['bench.fail-on'] }),
        benchSubscription({ id: 'fail-off', url: failing.during('fail-off', 0, ALWAYS, { status: 503 }), tier: 2, eventTypes: ['bench.fail-off'] }),
      ]);

      // Tier 1 alone, then with ten times its traffic to the hung tier-3 receiver.
      let pipeline = await startPipeline(install);
      const producer = kafka.producer();
      await producer.connect();
      try {
        // Warm-up: consumers assigned, connections open.
        const warm = await produceAtRate(producer, install.source, 100, 1_000, () => 'bench.vip');
        if (!(await waitDelivered(receiver, [vip], warm.sent, 90_000)).complete) throw new Error('warm-up: tier-1 deliveries did not arrive in 90 s');
        for (const stormFactor of [0, 10]) {
          const total = vipRate * (1 + stormFactor);
          const name = stormFactor === 0 ? 'tier 1 alone' : `tier 1 + ${stormFactor}× tier-3 storm`;
          context.log(`${name}: ${vipRate} tier-1 events/s${stormFactor ? ` + ${vipRate * stormFactor}/s to a hung tier-3 receiver` : ''} for ${phaseMs / 1_000} s`);
          await receiver.reset();
          await receiver.recordLatency(true);
          const hungBefore = requestsOf(await hung.statsOf(bulk));
          const meter = cpuMeter(pipelinePids(context, pipeline));
          const produced = await produceAtRate(producer, install.source, total, phaseMs, (n) => (n % (1 + stormFactor) === 0 ? 'bench.vip' : 'bench.bulk'));
          const vipSent = Math.ceil(produced.sent / (1 + stormFactor));
          const done = await waitDelivered(receiver, [vip], vipSent, 60_000);
          const cpu = meter.stop();
          const stats = await receiver.statsOf(vip, true);
          await receiver.recordLatency(false);
          const latencies = (stats.latencies ?? []).slice(Math.floor((vipRate * skipMs) / 1_000));
          const hungRequests = requestsOf(await hung.statsOf(bulk)) - hungBefore;
          phases.push({ name, vipRate, stormRate: vipRate * stormFactor, sent: produced.sent, vipSent, vipDelivered: done.distinct, latency: summarize(latencies), hungRequests, cpu, from: produced.start, to: produced.start + phaseMs });
          context.log(`  tier 1 p50 ${fmt(phases.at(-1)!.latency.p50, 1)} ms, p99 ${fmt(phases.at(-1)!.latency.p99, 1)} ms; ${done.distinct}/${vipSent} delivered; hung receiver got ${hungRequests} requests`);
        }
        // Where tier 1's time went: the router (shared by every tier) or the deliverer's tier-1 lane.
        const timings = await deliveryTimings(kafka, install, 'vip', 1);
        for (const phase of phases) {
          const within = timings.filter((t) => t.eventTime >= phase.from && t.eventTime <= phase.to);
          phase.routing = summarize(within.map((t) => t.routedAt - t.eventTime));
          phase.delivererWait = summarize(within.map((t) => t.attemptedAt - t.routedAt));
        }
        runs.push(await failingRun(context, producer, install, failing, 'fail-on', true, failRate, failMs, tailMs));
      } finally {
        await producer.disconnect().catch(() => undefined);
        await pipeline.stop();
      }

      // The failing receiver again, with the breaker off.
      pipeline = await startPipeline(install, { env: { HOOKRAIL_BREAKER_ENABLED: 'false' } });
      const producer2 = kafka.producer();
      await producer2.connect();
      try {
        runs.push(await failingRun(context, producer2, install, failing, 'fail-off', false, failRate, failMs, tailMs));
      } finally {
        await producer2.disconnect().catch(() => undefined);
        await pipeline.stop();
      }
    } finally {
      await hung.close();
      await failing.close();
      await install?.cleanup();
    }
    const outage = await outageRun(context, kafka);
    context.log(
      `  outage: healthy p99 ${fmt(outage.healthyBefore.p99, 1)} ms before, ${fmt(outage.healthyDuring.p99, 1)} ms during; down: ${outage.failedBeforeOpen} failed before open, ` +
        `${outage.requestsWhileOpen} requests in ${fmt(outage.openSeconds, 1)} s open, ${outage.requestsInFiveSecondsAfterClose} in the 5 s after closing, ${outage.downDeadLetters} dead letters`,
    );
    const [alone, stormed] = phases;
    const [on, off] = runs;
    return {
      scenario: 'storm',
      title: storm.title,
      method:
        `Router + one deliverer (all tiers), breaker and adaptive limit at their defaults, HTTP timeouts ${TIMEOUT} (default 30 s). ` +
        `Tier 1: ${vipRate} events/s to a fast receiver for ${phaseMs / 1_000} s, alone and then with ten times that rate to a tier-3 receiver that never answers (its own port: its own breaker); ` +
        `latency = receiver's 2xx time − scheduled send time, first ${skipMs / 1_000} s left out. ` +
        `Failing receiver (503 to everything, tier 2, its own port): ${failRate} deliveries/s for ${failMs / 1_000} s; requests it got from the first send until ${tailMs / 1_000} s after the last (first retry rungs included), with the breaker on and with HOOKRAIL_BREAKER_ENABLED=false.`,
      tables: [
        {
          title: 'Tier-1 end-to-end latency (ms) with and without a tier-3 storm',
          head: ['phase', 'tier-1 events/s', 'tier-3 events/s', 'tier 1 delivered', 'p50', 'p95', 'p99', 'max', 'routing p50 / p99', 'deliverer wait p50 / p99', 'hung receiver requests', 'CPU (% of one core)'],
          rows: phases.map((p) => [
            p.name,
            p.vipRate,
            p.stormRate,
            `${p.vipDelivered} / ${p.vipSent}`,
            fmt(p.latency.p50, 1),
            fmt(p.latency.p95, 1),
            fmt(p.latency.p99, 1),
            fmt(p.latency.max, 1),
            p.routing ? `${fmt(p.routing.p50, 1)} / ${fmt(p.routing.p99, 1)}` : '—',
            p.delivererWait ? `${fmt(p.delivererWait.p50, 1)} / ${fmt(p.delivererWait.p99, 1)}` : '—',
            p.hungRequests,
            cpuText(p.cpu),
          ]),
        },
        outageTable(outage),
        {
          title: 'Requests a failing receiver sees',
          head: ['circuit breaker', 'deliveries', 'requests', 'seconds', 'requests/s'],
          rows: runs.map((r) => [r.breaker ? 'on (default)' : 'off', r.deliveries, r.requests, fmt(r.seconds, 1), fmt(r.requestsPerSecond, 1)]),
        },
      ],
      data: {
        phases: phases.map((p) => ({ ...p, latency: rounded(p.latency), routing: p.routing && rounded(p.routing), delivererWait: p.delivererWait && rounded(p.delivererWait) })),
        failing: runs.map((r) => ({ ...r, requestsPerSecond: round(r.requestsPerSecond, 2) })),
        outage: { ...outage, healthyBefore: rounded(outage.healthyBefore), healthyDuring: rounded(outage.healthyDuring) },
      },
      targets: [
        {
          target: 'every tier-1 delivery arrives during the storm',
          measured: stormed ? `${stormed.vipDelivered} / ${stormed.vipSent}` : 'n/a',
          met: stormed ? stormed.vipDelivered >= stormed.vipSent : undefined,
        },
        {
          target: 'the breaker cuts the requests a failing receiver sees',
          measured: on && off ? `${fmt(on.requestsPerSecond, 1)} requests/s with, ${fmt(off.requestsPerSecond, 1)} without` : 'n/a',
          met: on && off ? on.requests < off.requests : undefined,
        },
        ...outageTargets(outage),
      ],
      notes:
        alone && stormed
          ? [
              `Tier-1 p99 ${fmt(alone.latency.p99, 1)} ms alone, ${fmt(stormed.latency.p99, 1)} ms during the storm (2 cores shared by broker, services, load generator and receivers). ` +
                `Routing (source event → tier-1 record) p99 ${fmt(alone.routing?.p99, 1)} → ${fmt(stormed.routing?.p99, 1)} ms; deliverer wait (tier-1 record → first attempt) p99 ${fmt(alone.delivererWait?.p99, 1)} → ${fmt(stormed.delivererWait?.p99, 1)} ms.`,
            ]
          : [],
      charts: [
        {
          file: 'storm.svg',
          svg: barChart({
            title: 'Tier-1 latency with and without a tier-3 storm',
            subtitle: `${vipRate} tier-1 events/s; storm: ${vipRate * 10}/s to a hung tier-3 receiver`,
            yLabel: 'milliseconds',
            categories: phases.map((p) => p.name),
            series: (['p50', 'p99'] as const).map((q) => ({ name: q, values: phases.map((p) => round(p.latency[q], 1)) })),
          }),
        },
      ],
    };
  },
};

function outageTable(o: OutageResult) {
  return {
    title: `An outage beside a healthy receiver: ${o.rate} events/s to each of healthy, slow (1.5 s per request) and down (503) for ${o.stormSeconds} s, one tier`,
    head: ['healthy p50 / p99 before (ms)', 'healthy p50 / p99 during', 'down: failed requests before open', 'requests while open (per s)', 'requests in 5 s after closing', 'down delivered / dead-lettered', 'slow delivered', 'events'],
    rows: [
      [
        `${fmt(o.healthyBefore.p50, 1)} / ${fmt(o.healthyBefore.p99, 1)}`,
        `${fmt(o.healthyDuring.p50, 1)} / ${fmt(o.healthyDuring.p99, 1)}`,
        o.failedBeforeOpen,
        `${o.requestsWhileOpen} in ${fmt(o.openSeconds, 1)} s (${fmt(o.requestsWhileOpen / o.openSeconds, 2)})`,
        o.requestsInFiveSecondsAfterClose,
        `${o.downDelivered} / ${o.downDeadLetters}`,
        o.slowDelivered,
        o.sent,
      ],
    ],
  };
}

function outageTargets(o: OutageResult) {
  return [
    {
      target: 'outage: healthy p99 during ≤ 3 × before + 100 ms',
      measured: `${fmt(o.healthyBefore.p99, 1)} ms before, ${fmt(o.healthyDuring.p99, 1)} during`,
      met: o.healthyDuring.p99 <= 3 * o.healthyBefore.p99 + 100,
    },
    {
      target: 'outage: down cut off within 100 failed requests, ≤ 2 requests/s while open',
      measured: `${o.failedBeforeOpen} failed before open; ${fmt(o.requestsWhileOpen / o.openSeconds, 2)}/s while open`,
      met: o.failedBeforeOpen <= 100 && o.requestsWhileOpen / o.openSeconds <= 2,
    },
    {
      target: 'outage: ≤ 2 × the event rate in the 5 s after closing; 0 dead letters of the recovered receiver',
      measured: `${o.requestsInFiveSecondsAfterClose} requests (bound ${2 * o.rate * 5}); ${o.downDeadLetters} dead letters`,
      met: o.requestsInFiveSecondsAfterClose <= 2 * o.rate * 5 && o.downDeadLetters === 0,
    },
  ];
}

const rounded = (summary: Summary) => Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, round(v, 2)]));

/** Deliveries at `rate` to a receiver that fails everything; the requests it got. */
async function failingRun(
  context: Context,
  producer: Producer,
  install: Install,
  failing: Receiver,
  name: string,
  breaker: boolean,
  rate: number,
  durationMs: number,
  tailMs: number,
): Promise<FailingRun> {
  context.log(`failing receiver, breaker ${breaker ? 'on' : 'off'}: ${rate} deliveries/s for ${durationMs / 1_000} s`);
  const produced = await produceAtRate(producer, install.source, rate, durationMs, () => `bench.${name}`);
  await sleep(tailMs);
  const stats = await failing.statsOf(name);
  const requests = requestsOf(stats);
  const seconds = produced.seconds + tailMs / 1_000;
  context.log(`  ${requests} requests for ${produced.sent} deliveries: ${fmt(requests / seconds, 1)}/s`);
  return { breaker, deliveries: produced.sent, requests, seconds, requestsPerSecond: requests / seconds };
}
