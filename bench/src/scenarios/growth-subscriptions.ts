// 9. Cost as subscriptions grow (10 → 10,000): matching per event (the router's index against
// a scan of every subscription), and the real router's start-up time, RSS and CPU per event.
import { createMatchIndex, matchSubscriptions, type Subscription } from '@hookrail/shared';
import type { Admin, Producer } from 'kafkajs';
import type { Context, Scenario } from '../context.ts';
import { curveCharts, curveData, curveTables, stateGrowth, type CurveSet } from '../curves.ts';
import { loadAverage } from '../machine.ts';
import { applySubscriptions, benchSubscription, createInstall, eventPayload, type Install } from '../kafka.ts';
import type { ScenarioResult } from '../report.ts';
import { cpuSeconds, startService } from '../services.ts';
import { fmt, nowMs, round, sleep } from '../stats.ts';

const NAME = 'growth-subscriptions';

/**
 * Subscription i listens to its own types, a third each by exact type, by `t<i>.*` and by two
 * exact types; every fifth only on the source topic. So an event of type `t<j>.created` goes
 * to exactly one subscription whatever their number: the fan-out stays 1, only matching grows.
 */
export function growthSubscription(i: number, url: string, sourceTopic: string): Subscription {
  const eventTypes = i % 3 === 0 ? [`t${i}.created`] : i % 3 === 1 ? [`t${i}.*`] : [`t${i}.created`, `t${i}.updated`];
  return benchSubscription({ id: `s${i}`, url, eventTypes, ...(i % 5 === 0 ? { topics: [sourceTopic] } : {}) });
}

/**
 * CPU nanoseconds per event of `match` over events cycling through `types`, for at least `ms`
 * of CPU: CPU time, not wall time, so that other processes on the shared cores do not count.
 */
function nsPerEvent(match: (event: { type: string; topic: string }) => Subscription[], types: string[], topic: string, ms: number): number {
  for (let k = 0; k < 2_000; k++) match({ type: types[k % types.length]!, topic }); // JIT warm-up
  const cpuMs = (since?: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1_000;
  };
  let n = 0;
  let matched = 0;
  const start = process.cpuUsage();
  while (cpuMs(start) < ms || n < 200) {
    for (let k = 0; k < 100; k++) matched += match({ type: types[(n + k) % types.length]!, topic }).length;
    n += 100;
  }
  if (matched !== n) throw new Error(`expected one subscription per event, matched ${matched} for ${n} events`);
  return (cpuMs(start) * 1e6) / n;
}

async function committedSum(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Starts the router on the install, routes `events` events, stops it: start-up, RSS, CPU/event. */
async function measureRouter(context: Context, install: Install, producer: Producer, admin: Admin, count: number, events: number, routedBefore: number) {
  const started = nowMs();
  const router = await startService('router', { ...install.env, HOOKRAIL_INSTANCE_ID: `${install.prefix}-router` }, 'router');
  try {
    await router.ready();
    const startupS = (nowMs() - started) / 1_000;
    await sleep(1_000);
    const idleRss = router.memory()?.rssMiB ?? Number.NaN;
    const cpuBefore = cpuSeconds(router.pid);
    const t0 = nowMs();
    const messages = Array.from({ length: events }, (_, n) => {
      const event = eventPayload(nowMs(), n, `t${(n * 7919) % count}.created`);
      return { key: event.id, value: event.value };
    });
    for (let from = 0; from < events; from += 500) await producer.send({ topic: install.source, acks: -1, messages: messages.slice(from, from + 500) });
    const target = routedBefore + events;
    const deadline = Date.now() + context.size(120_000, 60_000);
    let routed = routedBefore;
    while ((routed = await committedSum(admin, `${install.prefix}-router`, install.source)) < target && Date.now() < deadline) await sleep(100);
    if (routed < target) throw new Error(`router with ${count} subscriptions routed ${routed - routedBefore} of ${events} events in time`);
    const seconds = (nowMs() - t0) / 1_000;
    const cpuMsPerEvent = ((cpuSeconds(router.pid) - cpuBefore) * 1_000) / events;
    return { startupS, idleRss, peakRss: router.memory()?.peakMiB ?? Number.NaN, cpuMsPerEvent, eventsPerS: events / seconds };
  } finally {
    await router.stop();
  }
}

export const growthSubscriptions: Scenario = {
  name: NAME,
  title: 'Cost as subscriptions grow: matching per event, router start-up and memory',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const sizes = context.quick ? [10, 100, 1_000] : [10, 100, 1_000, 10_000];
    const events = context.size(5_000, 1_000);
    const install = await createInstall(kafka, 'growth-subs');
    const url = receiver.fast(`${install.prefix}-subs`);
    const producer = kafka.producer();
    const admin = kafka.admin();
    const rows: Array<{ subscriptions: number; indexNs: number; scanNs: number; startupS: number; idleRss: number; peakRss: number; cpuMsPerEvent: number; eventsPerS: number }> = [];
    try {
      await producer.connect();
      await admin.connect();
      let published = 0;
      for (const count of sizes) {
        const subscriptions = Array.from({ length: count }, (_, i) => growthSubscription(i, url, install.source));
        // In process: the index the router uses against the scan it replaced, same events.
        const types = Array.from({ length: 1_000 }, (_, n) => `t${(n * 7919) % count}.created`);
        const index = createMatchIndex(subscriptions);
        const indexNs = nsPerEvent((e) => index.match(e), types, install.source, 300);
        const scanNs = nsPerEvent((e) => matchSubscriptions(subscriptions, e), types, install.source, 300);
        // The real router reading that registry.
        for (let from = published; from < count; from += 1_000) await applySubscriptions(kafka, install, subscriptions.slice(from, Math.min(count, from + 1_000)));
        published = count;
        context.log(`${count} subscriptions: index ${fmt(indexNs)} ns/event, scan ${fmt(scanNs)} ns/event; starting the router`);
        const router = await measureRouter(context, install, producer, admin, count, events, rows.length * events);
        rows.push({ subscriptions: count, indexNs, scanNs, ...router });
        context.log(`router: ready in ${router.startupS.toFixed(1)} s, ${fmt(router.idleRss)} MiB idle, ${router.cpuMsPerEvent.toFixed(3)} ms CPU/event`);
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await install.cleanup();
    }
    const points = (f: (r: (typeof rows)[number]) => number) => rows.map((r) => [r.subscriptions, round(f(r), 3)] as [number, number]);
    const set: CurveSet = {
      scenario: NAME,
      x: 'subscriptions',
      unit: 'subscription',
      curves: [
        { key: 'match', label: 'matching (ns/event)', logY: true, series: [{ name: 'index', points: points((r) => r.indexNs) }, { name: 'scan', points: points((r) => r.scanNs) }] },
        { key: 'router-cpu', label: 'router CPU (ms/event)', digits: 3, series: [{ name: 'router', points: points((r) => r.cpuMsPerEvent) }] },
        { key: 'startup', label: 'router start-up (s)', digits: 1, series: [{ name: 'router', points: points((r) => r.startupS) }] },
        { key: 'rss', label: 'router RSS after start (MiB)', series: [{ name: 'router', points: points((r) => r.idleRss) }] },
      ],
    };
    const stated = stateGrowth(set);
    return {
      scenario: NAME,
      title: growthSubscriptions.title,
      method: `For ${sizes.map((s) => fmt(s)).join(', ')} subscriptions (each event matches exactly one: a third by exact type, a third by \`prefix.*\`, a third by two exact types, every fifth limited to the source topic): CPU time of matching per event in process (the router's index, shared/src/subscriptions/match-index.ts, and the scan of every subscription it replaced, ≥ 300 ms each); then the real router process on a registry of that many subscriptions: start-up (spawn to /readyz), RSS 1 s after ready, and CPU per event over ${fmt(events)} events routed (until its committed source offsets cover them).`,
      tables: [
        ...curveTables(set, stated),
        {
          title: 'Router throughput while measuring CPU (not a maximum: batches of 500)',
          head: ['subscriptions', 'events/s'],
          rows: rows.map((r) => [fmt(r.subscriptions), fmt(r.eventsPerS)]),
        },
      ],
      data: { sizes, events, rows, curves: curveData(stated) },
      notes: [
        'Matching through the index costs lookups for the event type (one per "." in it) and the sort of what matched; the scan tests every subscription.',
        'Start-up includes reading the whole registry topic; RSS includes the registry view and the index.',
      ],
      charts: curveCharts(set, `each event matches one subscription; load average at the end ${loadAverage().join(' ')}`),
    };
  },
};

