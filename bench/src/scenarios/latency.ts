// 3. End-to-end latency at 25, 50 and 75 % of the maximum throughput (open-loop producer).
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, produceAtRate, startPipeline, waitDelivered, warmUp } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { lineChart } from '../svg.ts';
import { fmt, round, summarize, type Summary } from '../stats.ts';
import { deliveryTimings, slowBursts, type SlowBurst } from '../timings.ts';
import { measureThroughput } from './throughput.ts';

/** A delivery first attempted later than this after its event counts as slow (the p99 goal). */
const SLOW_MS = 50;

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
  /** Source event → the router's tier record (router fetch, decode, gather for its transaction). */
  routing?: Summary;
  /** Tier record → the deliverer's first attempt (router commit, read_committed fetch, dispatch). */
  delivererWait?: Summary;
  /** Deliveries first attempted over SLOW_MS after their event, in bursts. */
  slow?: { count: number; of: number; bursts: SlowBurst[] };
  cpu: Record<string, number>;
  from: number;
  to: number;
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
        stages.push({ share, targetRate: rate, achievedRate: produced.sent / produced.seconds, sent: produced.sent, delivered: done.distinct, latency: summarize(latencies), cpu, from: produced.start + skipMs, to: produced.start + stageMs });
      }
      // Where the time went, per stage: routing, then the wait for the deliverer's first attempt;
      // the rest (attempt → receiver's 2xx) is HTTP and the receiver.
      const timings = await deliveryTimings(kafka, install, 's1', 2);
      for (const stage of stages) {
        const within = timings.filter((t) => t.eventTime >= stage.from && t.eventTime <= stage.to);
        if (within.length === 0) continue;
        stage.routing = summarize(within.map((t) => t.routedAt - t.eventTime));
        stage.delivererWait = summarize(within.map((t) => t.attemptedAt - t.routedAt));
        const bursts = slowBursts(within, SLOW_MS, 200);
        stage.slow = { count: bursts.reduce((n, b) => n + b.count, 0), of: within.length, bursts };
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
        {
          title: 'Where the time goes (ms, p50 / p99): routing = source event → tier record written by the router; deliverer wait = tier record → first attempt (the router\'s commit, the read_committed fetch, dispatch)',
          head: ['load', 'routing p50 / p99', 'deliverer wait p50 / p99', 'end-to-end p50 / p99'],
          rows: stages.map((s) => [
            `${s.share * 100} % of max`,
            s.routing ? `${fmt(s.routing.p50, 1)} / ${fmt(s.routing.p99, 1)}` : '—',
            s.delivererWait ? `${fmt(s.delivererWait.p50, 1)} / ${fmt(s.delivererWait.p99, 1)}` : '—',
            `${fmt(s.latency.p50, 1)} / ${fmt(s.latency.p99, 1)}`,
          ]),
        },
        {
          title: `Deliveries first attempted over ${SLOW_MS} ms after their event, grouped into bursts (slow ones within 200 ms of each other): few long bursts = stalls of one stage; many short ones = queueing`,
          head: ['load', 'slow deliveries', 'bursts', 'largest burst (deliveries, ms long)', 'its worst routing / deliverer wait (ms)'],
          rows: stages.map((s) => {
            const largest = [...(s.slow?.bursts ?? [])].sort((a, b) => b.count - a.count)[0];
            return [
              `${s.share * 100} % of max`,
              s.slow ? `${fmt(s.slow.count)} of ${fmt(s.slow.of)} (${fmt((100 * s.slow.count) / Math.max(1, s.slow.of), 2)} %)` : '—',
              s.slow ? fmt(s.slow.bursts.length) : '—',
              largest ? `${fmt(largest.count)}, ${fmt(largest.to - largest.from)} ms` : '—',
              largest ? `${fmt(largest.worstRouting)} / ${fmt(largest.worstWait)}` : '—',
            ];
          }),
        },
      ],
      data: { maxEventsPerSecond: max, stages: stages.map((s) => ({ ...s, latency: rounded(s.latency), routing: s.routing && rounded(s.routing), delivererWait: s.delivererWait && rounded(s.delivererWait), slow: s.slow && { ...s.slow, bursts: [...s.slow.bursts].sort((a, b) => b.count - a.count).slice(0, 10) } })) },
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

const rounded = (summary: Summary) => Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, round(v, 2)]));
