// 4. Slow receivers (100 ms per request), one partition: throughput against the in-flight limit.
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, produceDeliveries } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, startPipeline } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { lineChart } from '../svg.ts';
import { fmt, nowMs, pct, sleep } from '../stats.ts';

export const SLOW_MS = 100;

export interface SlowLevel {
  maxInFlight: number;
  rate: number;
  expected: number;
  peakInFlight: number;
  cpu: Record<string, number>;
}

export const slow: Scenario = {
  name: 'slow',
  title: `Slow receiver (${SLOW_MS} ms) on one partition: throughput against the in-flight limit`,
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const levels = [1, 8, 16, 32, 128];
    const windowMs = context.size(8_000, 3_000);
    const settleMs = context.size(1_500, 1_000);
    const records = Math.ceil(((windowMs + settleMs) / 1_000) * levels.reduce((sum, l) => sum + (l * 1_000) / SLOW_MS, 0) * 1.2);
    const install = await createInstall(kafka, 'slow', { partitions: 1, env: { HOOKRAIL_HTTP_CONNECTIONS_PER_ORIGIN: '256' } });
    const name = `${install.prefix}-slow`;
    const subscription = (maxInFlight: number) => benchSubscription({ id: 'slow', url: receiver.slow(name, SLOW_MS), maxInFlight });
    const results: SlowLevel[] = [];
    let pipeline;
    const producer = kafka.producer();
    try {
      await applySubscriptions(kafka, install, [subscription(levels[0]!)]);
      await producer.connect();
      context.log(`${records} delivery records on one partition of the tier topic`);
      await produceDeliveries(producer, install.topics.tier(2), subscription(1), records, { batch: 1_000, concurrency: 2 });
      pipeline = await startPipeline(install, { router: false });
      for (const maxInFlight of levels) {
        if (maxInFlight !== levels[0]) await applySubscriptions(kafka, install, [subscription(maxInFlight)]);
        await sleep(settleMs);
        await receiver.reset();
        const meter = cpuMeter(pipelinePids(context, pipeline));
        const t0 = nowMs();
        await sleep(windowMs);
        const stats = await receiver.statsOf(name);
        const cpu = meter.stop();
        const rate = stats.distinct / ((nowMs() - t0) / 1_000);
        const expected = (maxInFlight * 1_000) / SLOW_MS;
        context.log(`maxInFlight ${maxInFlight}: ${fmt(rate)}/s (in-flight ÷ latency = ${expected}/s)`);
        results.push({ maxInFlight, rate, expected, peakInFlight: stats.peakInFlight, cpu });
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await pipeline?.stop();
      await install.cleanup();
    }
    return {
      scenario: 'slow',
      title: slow.title,
      method: `One subscription whose receiver answers after ${SLOW_MS} ms; ${records} delivery records on a 1-partition tier topic, deliverer only; the subscription's maxInFlight is raised live (registry update) and the delivered rate measured over ${windowMs / 1_000} s at each level after ${settleMs / 1_000} s to settle. HOOKRAIL_HTTP_CONNECTIONS_PER_ORIGIN=256.`,
      tables: [
        {
          title: `Slow receiver (${SLOW_MS} ms), one partition`,
          head: ['maxInFlight', 'deliveries/s', 'in-flight ÷ latency', 'ratio', 'peak in flight at receiver', 'CPU (% of one core)'],
          rows: results.map((r) => [r.maxInFlight, fmt(r.rate, 1), fmt(r.expected), pct(r.rate / r.expected), r.peakInFlight, cpuText(r.cpu)]),
        },
      ],
      data: { levels: results, latencyMs: SLOW_MS },
      charts: [
        {
          file: 'slow.svg',
          svg: lineChart({
            title: `Slow receiver (${SLOW_MS} ms): throughput against the in-flight limit`,
            subtitle: 'one partition; dashed: in-flight ÷ latency',
            xLabel: 'maxInFlight (log scale)',
            yLabel: 'deliveries / s (log scale)',
            logX: true,
            logY: true,
            series: [
              { name: 'hookrail deliverer', points: results.map((r) => [r.maxInFlight, Math.max(1, r.rate)] as [number, number]) },
              { name: 'in-flight ÷ latency', points: results.map((r) => [r.maxInFlight, r.expected] as [number, number]), dashed: true },
            ],
          }),
        },
      ],
    };
  },
};
