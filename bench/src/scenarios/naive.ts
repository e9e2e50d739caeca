// 5. The naive baseline (an eachMessage handler awaiting the POST, retrying in place) on the
// same workloads as scenarios 2 and 4, and its ratio to hookrail.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context, Scenario } from '../context.ts';
import { BENCH_SECRET, benchSubscription, brokers, createInstall, produceDeliveries, produceEvents, type Install } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, waitDelivered } from '../pipeline.ts';
import { benchRoot } from '../paths.ts';
import type { ScenarioResult } from '../report.ts';
import { track, type ServiceProcess } from '../services.ts';
import { barChart } from '../svg.ts';
import { fmt, nowMs, sleep } from '../stats.ts';
import { SLOW_MS, type SlowLevel } from './slow.ts';
import type { ThroughputRun } from './throughput.ts';

export function startNaive(install: Install, topic: string, urls: string[]): ServiceProcess {
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(benchRoot, 'src/naive-process.ts')], {
    env: {
      PATH: process.env.PATH ?? '',
      NAIVE_BROKERS: brokers().join(','),
      NAIVE_TOPIC: topic,
      NAIVE_GROUP: `${install.prefix}-naive`,
      NAIVE_URLS: urls.join(','),
      NAIVE_SECRET: BENCH_SECRET,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track('naive', child, (line) => line.includes('"ready"'));
}

interface NaiveRun {
  workload: string;
  rate: number;
  unit: string;
  delivered: number;
  seconds: number;
  complete: boolean;
  cpu: Record<string, number>;
}

export const naive: Scenario = {
  name: 'naive',
  title: 'Naive baseline: eachMessage awaiting the POST, retrying in place',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const runs: NaiveRun[] = [];

    for (const [subscriptions, events] of [
      [1, context.size(6_000, 1_000)],
      [5, context.size(1_500, 300)],
    ] as const) {
      const install = await createInstall(kafka, `naive${subscriptions}`);
      const names = Array.from({ length: subscriptions }, (_, i) => `${install.prefix}-s${i + 1}`);
      let process: ServiceProcess | undefined;
      const producer = kafka.producer();
      try {
        context.log(`naive, fast receiver, ${subscriptions} subscription(s) per event: ${events} events`);
        process = startNaive(install, install.source, names.map((n) => receiver.fast(n)));
        await process.ready();
        await producer.connect();
        await sleep(2_000); // its group join
        const meter = cpuMeter(pipelinePids(context, undefined, { naive: process.pid }));
        const t0 = nowMs();
        await produceEvents(producer, install.source, events);
        const result = await waitDelivered(receiver, names, events * subscriptions, context.size(90_000, 30_000));
        const cpu = meter.stop();
        const seconds = (result.lastNewAt - t0) / 1_000;
        runs.push({ workload: `fast receiver, ${subscriptions} subscription(s) / event`, rate: result.distinct / seconds, unit: 'deliveries/s', delivered: result.distinct, seconds, complete: result.complete, cpu });
      } finally {
        await producer.disconnect().catch(() => undefined);
        await process?.stop();
        await install.cleanup();
      }
    }

    {
      const install = await createInstall(kafka, 'naiveslow', { partitions: 1 });
      const name = `${install.prefix}-slow`;
      const windowMs = context.size(8_000, 3_000);
      let process: ServiceProcess | undefined;
      const producer = kafka.producer();
      try {
        context.log(`naive, slow receiver (${SLOW_MS} ms), one partition`);
        await producer.connect();
        await produceDeliveries(producer, install.topics.tier(2), benchSubscription({ id: 'slow', url: receiver.slow(name, SLOW_MS) }), 500);
        process = startNaive(install, install.topics.tier(2), [receiver.slow(name, SLOW_MS)]);
        await process.ready();
        await sleep(3_000);
        await receiver.reset();
        const meter = cpuMeter(pipelinePids(context, undefined, { naive: process.pid }));
        const t0 = nowMs();
        await sleep(windowMs);
        const stats = await receiver.statsOf(name);
        const cpu = meter.stop();
        const seconds = (nowMs() - t0) / 1_000;
        runs.push({ workload: `slow receiver (${SLOW_MS} ms), one partition`, rate: stats.distinct / seconds, unit: 'deliveries/s', delivered: stats.distinct, seconds, complete: true, cpu });
      } finally {
        await producer.disconnect().catch(() => undefined);
        await process?.stop();
        await install.cleanup();
      }
    }

    const pipelineRuns = (context.previous('throughput')?.runs ?? []) as ThroughputRun[];
    const slowLevels = (context.previous('slow')?.levels ?? []) as SlowLevel[];
    const hookrail = [
      pipelineRuns.find((r) => r.subscriptions === 1)?.deliveriesPerSecond,
      pipelineRuns.find((r) => r.subscriptions === 5)?.deliveriesPerSecond,
    ];
    const slowDefault = slowLevels.find((l) => l.maxInFlight === 16)?.rate;
    const slowBest = slowLevels.length ? Math.max(...slowLevels.map((l) => l.rate)) : undefined;
    const slowBestLevel = slowLevels.find((l) => l.rate === slowBest)?.maxInFlight;
    const naiveSlow = runs[2]?.rate;
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
    const rows = [
      [runs[0]!.workload, runs[0]!.rate, hookrail[0], 'default settings'],
      [runs[1]!.workload, runs[1]!.rate, hookrail[1], 'default settings'],
      [runs[2]!.workload, runs[2]!.rate, slowDefault, 'maxInFlight 16 (default)'],
      [runs[2]!.workload, runs[2]!.rate, slowBest, `maxInFlight ${slowBestLevel ?? '?'}`],
    ] as const;
    const slowRatio = ratio(slowBest, naiveSlow);
    const slowDefaultRatio = ratio(slowDefault, naiveSlow);
    return {
      scenario: 'naive',
      title: naive.title,
      method:
        'A KafkaJS consumer with default settings (one partition at a time, auto-commit) whose eachMessage awaits an undici POST per subscribed URL (signed like hookrail) and on failure sleeps 1 s, 2 s, 4 s and retries in place. Fast workloads: events produced to a 6-partition source topic, timed from the first produce to the last new 2xx. Slow workload: delivery records on one partition, rate over a window. hookrail figures come from the throughput and slow scenarios of the same run.',
      tables: [
        {
          title: 'Naive baseline against hookrail',
          head: ['workload', 'naive deliveries/s', 'hookrail deliveries/s', 'hookrail setting', 'hookrail ÷ naive', 'naive CPU (% of one core)'],
          rows: rows.map(([workload, n, h, setting], i) => [workload, fmt(n, 1), fmt(h, 1), setting, ratio(h, n) === undefined ? 'n/a' : `${ratio(h, n)!.toFixed(1)}×`, i < 3 ? cpuText(runs[Math.min(i, 2)]!.cpu) : '']),
        },
      ],
      data: { runs, ratios: { fast1: ratio(hookrail[0], runs[0]!.rate), fast5: ratio(hookrail[1], runs[1]!.rate), slowDefault: slowDefaultRatio, slowBest: slowRatio, slowBestLevel } },
      targets: [
        {
          target: '≥ 20× the naive baseline with slow receivers',
          measured:
            slowRatio === undefined
              ? 'n/a (run the slow scenario)'
              : `${slowRatio.toFixed(1)}× at maxInFlight ${slowBestLevel} (${slowDefaultRatio?.toFixed(1) ?? 'n/a'}× at the default 16)`,
          met: slowRatio === undefined ? undefined : slowRatio >= 20,
        },
      ],
      charts: [
        {
          file: 'naive.svg',
          svg: barChart({
            title: 'hookrail against the naive eachMessage consumer',
            subtitle: 'deliveries per second (log scale)',
            yLabel: 'deliveries / s',
            categories: ['fast, 1 sub', 'fast, 5 subs', 'slow 100 ms, default 16', `slow 100 ms, ${slowBestLevel ?? '?'} in flight`],
            series: [
              { name: 'naive', values: rows.map((r) => r[1]) },
              { name: 'hookrail', values: rows.map((r) => r[2]) },
            ],
            log: true,
          }),
        },
      ],
    };
  },
};
