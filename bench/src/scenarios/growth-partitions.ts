// 11. Cost as partitions grow (6 → 60): the deliverer's start-up, idle CPU, memory and rate.
import { classifyTopicName } from '@hookrail/shared';
import type { Context, Scenario } from '../context.ts';
import { curveCharts, curveData, curveTables, stateGrowth, type CurveSet } from '../curves.ts';
import { applySubscriptions, benchSubscription, createInstall, produceDeliveries } from '../kafka.ts';
import { loadAverage } from '../machine.ts';
import { cpuMeter, waitDelivered } from '../pipeline.ts';
import { samplePeaks } from '../process-sampler.ts';
import type { ScenarioResult } from '../report.ts';
import { startService } from '../services.ts';
import { fmt, nowMs, round, sleep } from '../stats.ts';

const NAME = 'growth-partitions';
const SUBSCRIPTIONS = 6;

export const growthPartitions: Scenario = {
  name: NAME,
  title: 'Cost as partitions grow: deliverer start-up, idle CPU, memory and rate',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const sizes = context.quick ? [6, 12, 24] : [6, 12, 30, 60];
    const total = context.size(12_000, 3_000);
    const idleMs = context.size(5_000, 3_000);
    const rows: Array<{ partitions: number; topicPartitions: number; startupS: number; idleCpu: number; peakRss: number; rate: number; complete: boolean }> = [];
    for (const partitions of sizes) {
      const install = await createInstall(kafka, 'growth-parts', { partitions });
      const producer = kafka.producer();
      try {
        const names = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `${install.prefix}-p${i}`);
        const subscriptions = names.map((name, i) => benchSubscription({ id: `p${i}`, url: receiver.fast(name) }));
        await applySubscriptions(kafka, install, subscriptions);
        await producer.connect();
        const started = nowMs();
        const deliverer = await startService('deliverer', { ...install.env, HOOKRAIL_DELIVERER_TIERS: '2', HOOKRAIL_INSTANCE_ID: `${install.prefix}-deliverer` }, 'deliverer');
        try {
          await deliverer.ready();
          const startupS = (nowMs() - started) / 1_000;
          // Idle: what fetching and heartbeating every assigned partition costs with no work.
          await sleep(1_000);
          const meter = cpuMeter({ deliverer: deliverer.pid });
          await sleep(idleMs);
          const idleCpu = meter.stop().deliverer ?? Number.NaN;
          await receiver.reset();
          const t0 = nowMs();
          // Keyed by event id, so the records spread over every partition of the tier topic.
          const work = (async () => {
            await Promise.all(subscriptions.map((s) => produceDeliveries(producer, install.topics.tier(2), s, total / SUBSCRIPTIONS, { spread: true, concurrency: 2 })));
            return waitDelivered(receiver, names, total, context.size(180_000, 60_000), (n) => context.log(`${n} / ${total}`));
          })();
          const { result, peakRssMiB } = await samplePeaks(deliverer, work);
          const rate = result.distinct / Math.max(0.001, (result.lastNewAt - t0) / 1_000);
          const topicPartitions = await tier2Partitions(kafka, install.prefix);
          rows.push({ partitions, topicPartitions, startupS, idleCpu, peakRss: peakRssMiB, rate, complete: result.complete });
          context.log(`${partitions} partitions (${topicPartitions} consumed): ready in ${startupS.toFixed(1)} s, idle ${idleCpu} % CPU, ${fmt(rate)} deliveries/s, ${fmt(peakRssMiB)} MiB peak`);
        } finally {
          await deliverer.stop();
        }
      } finally {
        await producer.disconnect().catch(() => undefined);
        await install.cleanup();
      }
    }
    const points = (f: (r: (typeof rows)[number]) => number) => rows.map((r) => [r.partitions, round(f(r), 1)] as [number, number]);
    const set: CurveSet = {
      scenario: NAME,
      x: 'partitions per topic',
      unit: 'partition',
      curves: [
        { key: 'startup', label: 'deliverer start-up (s)', digits: 1, series: [{ name: 'deliverer', points: points((r) => r.startupS) }] },
        { key: 'idle-cpu', label: 'deliverer idle CPU (% of a core)', series: [{ name: 'deliverer', points: points((r) => r.idleCpu) }] },
        { key: 'rss', label: 'deliverer RSS (peak MiB)', series: [{ name: 'deliverer', points: points((r) => r.peakRss) }] },
        { key: 'rate', label: 'deliveries/s', series: [{ name: 'deliverer', points: points((r) => r.rate) }] },
      ],
    };
    const stated = stateGrowth(set);
    return {
      scenario: NAME,
      title: growthPartitions.title,
      method: `For ${sizes.join(', ')} partitions per hookrail topic (a fresh install each): one deliverer serving tier 2 (its tier topic and retry topics) — start-up (spawn to /readyz), CPU over ${idleMs / 1_000} s idle, then ${fmt(total)} delivery records for ${SUBSCRIPTIONS} subscriptions keyed by event id (spread over every partition), RSS sampled every 250 ms.`,
      tables: [
        ...curveTables(set, stated),
        { title: 'Partitions the deliverer consumes', head: ['partitions per topic', 'tier-2 and retry partitions', 'complete'], rows: rows.map((r) => [r.partitions, r.topicPartitions, r.complete ? 'yes' : 'timed out']) },
      ],
      data: { sizes, total, rows, curves: curveData(stated) },
      notes: ['Every partition is fetched and tracked on its own (fetch sessions, pause/resume, commit metadata), so idle CPU and start-up are where partition count shows first.'],
      charts: curveCharts(set, `${fmt(total)} deliveries per point; load average at the end ${loadAverage().join(' ')}`),
    };
  },
};

/** Partitions of the tier-2 topic and its retry topics (what the tier-2 lane consumes). */
async function tier2Partitions(kafka: Context['kafka'], prefix: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((name) => {
      const topic = classifyTopicName(prefix, name);
      return (topic?.kind === 'tier' || topic?.kind === 'retry') && topic.tier === 2;
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    return topics.reduce((sum, t) => sum + t.partitions.length, 0);
  } finally {
    await admin.disconnect();
  }
}
