// 3. End-to-end latency at 25, 50 and 75 % of the maximum throughput (open-loop producer).
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, produceAtRate, startPipeline, waitDelivered, warmUp } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { lineChart } from '../svg.ts';
import { fmt, round, summarize, type Summary } from '../stats.ts';
import { measureThroughput } from './throughput.ts';

/** The maximum events/s with one subscription: from the throughput scenario, else measured now. */
export async function maxEventsPerSecond(context: Context): Promise<number> {
  const known = context.previous('throughput')?.maxEventsPerSecond;
  if (typeof known === 'number' && known > 0) return known;
  context.log('no throughput figure yet: measuring the maximum first');
  return (await measureThroughput(context, 1, context.size(20_000, 3_000))).eventsPerSecond;
}

export interface LatencyStage {
  share: number;
  targetRate: number;
  achievedRate: number;
  sent: number;
  delivered: number;
  latency: Summary;
  cpu: Record<string, number>;
}

export const latency: Scenario = {
  name: 'latency',
  title: 'End-to-end latency at 25 / 50 / 75 % of maximum throughput',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const max = await maxEventsPerSecond(context);
    const stageMs = context.size(20_000, 6_000);
    const skipMs = context.size(3_000, 1_000);
    const install = await createInstall(kafka, 'latency');
    const name = `${install.prefix}-s1`;
    const stages: LatencyStage[] = [];
    let pipeline;
    const producer = kafka.producer();
    try {
      await applySubscriptions(kafka, install, [benchSubscription({ id: 's1', url: receiver.fast(name) })]);
      pipeline = await startPipeline(install);
      await producer.connect();
      await warmUp(context, producer, install.source, [name], 200, 1);
      for (const share of [0.25, 0.5, 0.75]) {
        const rate = Math.max(10, Math.round(max * share));
        context.log(`${share * 100} %: ${rate} events/s for ${stageMs / 1_000} s`);
        await receiver.reset();
        await receiver.recordLatency(true);
        const meter = cpuMeter(pipelinePids(context, pipeline));
        const produced = await produceAtRate(producer, install.source, rate, stageMs);
        const done = await waitDelivered(receiver, [name], produced.sent, 30_000);
        const cpu = meter.stop();
        const stats = await receiver.statsOf(name, true);
        await receiver.recordLatency(false);
        // The first seconds are the ramp: leave them out (latency is measured per event from its scheduled send time).
        const latencies = (stats.latencies ?? []).slice(Math.floor((rate * skipMs) / 1_000));
        stages.push({ share, targetRate: rate, achievedRate: produced.sent / produced.seconds, sent: produced.sent, delivered: done.distinct, latency: summarize(latencies), cpu });
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await pipeline?.stop();
      await install.cleanup();
    }
    const half = stages.find((s) => s.share === 0.5);
    return {
      scenario: 'latency',
      title: latency.title,
      method: `Open-loop producer at a constant rate (each event carries its scheduled send time, so a stalled producer counts as latency); one subscription, fast receiver; latency = receiver's 2xx time − scheduled send time, first ${skipMs / 1_000} s of each ${stageMs / 1_000} s stage left out. Maximum = ${fmt(max)} events/s from the throughput scenario.`,
      tables: [
        {
          title: 'End-to-end latency (ms), source produce → receiver',
          head: ['load', 'events/s', 'delivered', 'p50', 'p95', 'p99', 'max', 'CPU (% of one core)'],
          rows: stages.map((s) => [
            `${s.share * 100} % of max`,
            fmt(s.achievedRate),
            `${s.delivered} / ${s.sent}`,
            fmt(s.latency.p50, 1),
            fmt(s.latency.p95, 1),
            fmt(s.latency.p99, 1),
            fmt(s.latency.max, 1),
            cpuText(s.cpu),
          ]),
        },
      ],
      data: { maxEventsPerSecond: max, stages: stages.map((s) => ({ ...s, latency: Object.fromEntries(Object.entries(s.latency).map(([k, v]) => [k, round(v, 2)])) })) },
      targets: [
        {
          target: 'p99 end-to-end ≤ 50 ms at half of maximum load',
          measured: half ? `p99 ${fmt(half.latency.p99, 1)} ms at ${fmt(half.achievedRate)} events/s` : 'n/a',
          met: half ? half.latency.p99 <= 50 : undefined,
        },
      ],
      charts: [
        {
          file: 'latency.svg',
          svg: lineChart({
            title: 'End-to-end latency against load',
            subtitle: `source produce → receiver 2xx, 1 subscription; max = ${fmt(max)} events/s`,
            xLabel: 'events per second',
            yLabel: 'milliseconds',
            series: (['p50', 'p95', 'p99'] as const).map((q) => ({ name: q, points: stages.map((s) => [Math.round(s.achievedRate), round(s.latency[q], 1)] as [number, number]) })),
          }),
        },
      ],
    };
  },
};
