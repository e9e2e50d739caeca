// 10. Cost as destination origins grow (1 → 500): the deliverer's connection pools and memory.
import type { Context, Scenario } from '../context.ts';
import { curveCharts, curveData, curveTables, stateGrowth, type CurveSet } from '../curves.ts';
import { applySubscriptions, benchSubscription, createInstall, produceDeliveries } from '../kafka.ts';
import { loadAverage } from '../machine.ts';
import { waitDelivered } from '../pipeline.ts';
import { samplePeaks } from '../process-sampler.ts';
import type { ScenarioResult } from '../report.ts';
import { startService } from '../services.ts';
import { fmt, nowMs, round } from '../stats.ts';

const NAME = 'growth-origins';

export const growthOrigins: Scenario = {
  name: NAME,
  title: 'Cost as destination origins grow: connection pools and deliverer memory',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const sizes = context.quick ? [1, 10, 50] : [1, 10, 100, 500];
    const total = context.size(10_000, 2_000);
    const install = await createInstall(kafka, 'growth-origins');
    const tier = install.topics.tier(2);
    const producer = kafka.producer();
    const rows: Array<{ origins: number; startupS: number; rate: number; peakRss: number; peakSockets: number; complete: boolean }> = [];
    try {
      await producer.connect();
      for (const count of sizes) {
        // One subscription per origin (a loopback port of the receiver each); the same total
        // of deliveries spread over them.
        const origins = await receiver.origins(count);
        const names = origins.map((_, i) => `${install.prefix}-o${count}-${i}`);
        const subscriptions = origins.map((origin, i) => benchSubscription({ id: `o${count}-${i}`, url: `${origin}/fast/${names[i]}` }));
        await applySubscriptions(kafka, install, subscriptions);
        const started = nowMs();
        const deliverer = await startService('deliverer', { ...install.env, HOOKRAIL_DELIVERER_TIERS: '2', HOOKRAIL_INSTANCE_ID: `${install.prefix}-deliverer` }, 'deliverer');
        try {
          await deliverer.ready();
          const startupS = (nowMs() - started) / 1_000;
          await receiver.reset();
          const perOrigin = Math.ceil(total / count);
          const t0 = nowMs();
          const work = (async () => {
            await Promise.all(subscriptions.map((s) => produceDeliveries(producer, tier, s, perOrigin, { concurrency: 1 })));
            return waitDelivered(receiver, names, perOrigin * count, context.size(180_000, 60_000), (n) => context.log(`${n} / ${perOrigin * count}`));
          })();
          const { result, peakRssMiB, peakSockets } = await samplePeaks(deliverer, work);
          const rate = result.distinct / Math.max(0.001, (result.lastNewAt - t0) / 1_000);
          rows.push({ origins: count, startupS, rate, peakRss: peakRssMiB, peakSockets, complete: result.complete });
          context.log(`${count} origins: ${fmt(rate)} deliveries/s, ${peakSockets} sockets, ${fmt(peakRssMiB)} MiB peak${result.complete ? '' : ' (timed out)'}`);
        } finally {
          await deliverer.stop();
        }
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await install.cleanup();
    }
    const points = (f: (r: (typeof rows)[number]) => number) => rows.map((r) => [r.origins, round(f(r), 1)] as [number, number]);
    const set: CurveSet = {
      scenario: NAME,
      x: 'origins',
      unit: 'origin',
      curves: [
        { key: 'sockets', label: 'deliverer open sockets (peak)', series: [{ name: 'deliverer', points: points((r) => r.peakSockets) }] },
        { key: 'rss', label: 'deliverer RSS (peak MiB)', series: [{ name: 'deliverer', points: points((r) => r.peakRss) }] },
        { key: 'rate', label: 'deliveries/s', series: [{ name: 'deliverer', points: points((r) => r.rate) }] },
      ],
    };
    const stated = stateGrowth(set);
    return {
      scenario: NAME,
      title: growthOrigins.title,
      method: `For ${sizes.join(', ')} receiver origins (loopback ports of the bench receiver, one subscription each, default maxInFlight 16 and 64 connections per origin): one deliverer (tier 2) delivers ${fmt(total)} delivery records spread evenly over the subscriptions, produced straight to the tier topic; open sockets (/proc/<pid>/fd) and RSS sampled every 250 ms.`,
      tables: [
        ...curveTables(set, stated),
        { title: 'Runs', head: ['origins', 'deliverer start-up (s)', 'complete'], rows: rows.map((r) => [r.origins, r.startupS.toFixed(1), r.complete ? 'yes' : 'timed out']) },
      ],
      data: { sizes, total, rows, curves: curveData(stated) },
      notes: ['Sockets include the deliverer\'s Kafka connections and its ops listener (a constant few); the rest are keep-alive connections to receivers, at most min(in flight, connectionsPerOrigin) per origin.'],
      charts: curveCharts(set, `${fmt(total)} deliveries per point; load average at the end ${loadAverage().join(' ')}`),
    };
  },
};
