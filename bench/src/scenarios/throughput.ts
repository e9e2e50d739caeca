// 2. End-to-end throughput: source produce → receiver 2xx, fast receiver, 1 and 5 subscriptions.
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, produceEvents } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, startPipeline, waitDelivered, warmUp } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { barChart } from '../svg.ts';
import { fmt, nowMs, pct } from '../stats.ts';

export interface ThroughputRun {
  subscriptions: number;
  events: number;
  deliveries: number;
  seconds: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  produceSeconds: number;
  complete: boolean;
  cpu: Record<string, number>;
}

/** One measurement: `events` events produced as fast as possible, timed to the last 2xx. */
export async function measureThroughput(context: Context, subscriptions: number, events: number, label = 'throughput'): Promise<ThroughputRun> {
  const { kafka, receiver } = context;
  const install = await createInstall(kafka, `${label}${subscriptions}`);
  const names = Array.from({ length: subscriptions }, (_, i) => `${install.prefix}-s${i + 1}`);
  let pipeline;
  const producer = kafka.producer();
  try {
    await applySubscriptions(kafka, install, names.map((name, i) => benchSubscription({ id: `s${i + 1}`, url: receiver.fast(name) })));
    pipeline = await startPipeline(install);
    await producer.connect();
    await warmUp(context, producer, install.source, names, 200, subscriptions);
    const meter = cpuMeter(pipelinePids(context, pipeline));
    const t0 = nowMs();
    await produceEvents(producer, install.source, events, { batch: 500, concurrency: 4 });
    const produceSeconds = (nowMs() - t0) / 1_000;
    const target = events * subscriptions;
    const result = await waitDelivered(receiver, names, target, context.size(180_000, 60_000), (n) => context.log(`${n} / ${target} delivered`));
    const cpu = meter.stop();
    const seconds = (result.lastNewAt - t0) / 1_000;
    return {
      subscriptions,
      events,
      deliveries: result.distinct,
      seconds,
      eventsPerSecond: result.distinct / subscriptions / seconds,
      deliveriesPerSecond: result.distinct / seconds,
      produceSeconds,
      complete: result.complete,
      cpu,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await pipeline?.stop();
    await install.cleanup();
  }
}

export const throughput: Scenario = {
  name: 'throughput',
  title: 'End-to-end throughput: source produce → receiver 2xx (fast receiver)',
  async run(context: Context): Promise<ScenarioResult> {
    const runs: ThroughputRun[] = [];
    for (const [subscriptions, events] of [
      [1, context.size(30_000, 3_000)],
      [5, context.size(10_000, 1_000)],
    ] as const) {
      context.log(`${subscriptions} subscription(s) per event: ${events} events`);
      runs.push(await measureThroughput(context, subscriptions, events));
    }
    const ceilings = context.previous('ceilings') as
      | { raw?: Record<string, { rate: number }>; http?: Array<{ concurrency: number; rate: number }> }
      | undefined;
    const kafkaCeiling = ceilings?.raw?.kafkajsTxn?.rate;
    const httpCeiling = (concurrency: number) => ceilings?.http?.find((h) => h.concurrency === concurrency)?.rate;
    const rows = runs.map((r) => {
      const http = httpCeiling(r.subscriptions === 1 ? 16 : 64);
      const binding = Math.min(kafkaCeiling ?? Infinity, http ?? Infinity);
      return {
        r,
        http,
        binding: Number.isFinite(binding) ? binding : undefined,
      };
    });
    const one = rows[0]!;
    const ratio = one.binding ? one.r.deliveriesPerSecond / one.binding : undefined;
    // On a shared CPU the costs add up: one HTTP request and two consume→produce hops per delivery.
    const http16 = httpCeiling(16);
    const composite = http16 && kafkaCeiling ? 1 / (1 / http16 + 2 / kafkaCeiling) : undefined;
    return {
      scenario: 'throughput',
      title: throughput.title,
      method:
        'Router + deliverer as processes (default settings, 6 partitions, subscriptions in tier 2 with the default maxInFlight 16); after a 200-event warm-up, N events are produced to the source topic as fast as the producer goes, and the time runs from the first produce to the last new webhook-id answered 2xx by the receiver.',
      tables: [
        {
          title: 'End-to-end throughput',
          head: ['subscriptions / event', 'events', 'deliveries', 'seconds', 'events/s', 'deliveries/s', 'vs KafkaJS txn c→p', 'vs undici at same concurrency', 'CPU (% of one core)'],
          rows: rows.map(({ r, http }) => [
            r.subscriptions,
            r.events,
            `${r.deliveries}${r.complete ? '' : ' (timed out)'}`,
            r.seconds.toFixed(1),
            fmt(r.eventsPerSecond),
            fmt(r.deliveriesPerSecond),
            pct(kafkaCeiling ? r.deliveriesPerSecond / kafkaCeiling : undefined),
            pct(http ? r.deliveriesPerSecond / http : undefined),
            cpuText(r.cpu),
          ]),
        },
      ],
      data: { runs, maxEventsPerSecond: one.r.eventsPerSecond, ceilingRatio: ratio, kafkaCeiling, httpCeilings: { 16: httpCeiling(16), 64: httpCeiling(64) }, composite },
      notes: composite
        ? [
            `Composite ceiling (the costs of one undici request and two KafkaJS transactional consume→produce hops added up, as they share the CPU): ${fmt(composite)}/s; the 1-subscription pipeline reaches ${pct(one.r.deliveriesPerSecond / composite)} of it.`,
          ]
        : [],
      targets: [
        {
          target: 'pipeline ≥ 50 % of the ceiling (1 subscription; the lower of KafkaJS txn consume→produce and undici at the same concurrency)',
          measured: ratio === undefined ? 'no ceiling measured (run the ceilings scenario)' : `${fmt(one.r.deliveriesPerSecond)}/s = ${pct(ratio)} of ${fmt(one.binding)}/s`,
          met: ratio === undefined ? undefined : ratio >= 0.5,
        },
      ],
      charts: [
        {
          file: 'throughput.svg',
          svg: barChart({
            title: 'End-to-end throughput against the ceilings',
            subtitle: 'deliveries per second; ceilings measured in the same run',
            yLabel: 'deliveries / s',
            categories: ['1 subscription / event', '5 subscriptions / event'],
            series: [
              { name: 'hookrail (router + deliverer)', values: runs.map((r) => r.deliveriesPerSecond) },
              { name: 'KafkaJS txn consume→produce', values: runs.map(() => kafkaCeiling) },
              { name: 'undici at same concurrency', values: rows.map((r) => r.http) },
            ],
          }),
        },
      ],
    };
  },
};
