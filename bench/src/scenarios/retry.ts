// 6. Retry precision under load: lateness (fired − due) of retries from the attempts topic.
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, readAttempts } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, produceAtRate, startPipeline, waitDelivered, warmUp } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { barChart } from '../svg.ts';
import { fmt, round, sleep, summarize } from '../stats.ts';
import { maxEventsPerSecond } from './latency.ts';

export const retry: Scenario = {
  name: 'retry',
  title: 'Retry precision under load: lateness (fired − due) of retries',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const max = await maxEventsPerSecond(context);
    const rate = Math.max(20, Math.round(max * 0.5));
    const durationMs = context.size(20_000, 6_000);
    const flakyEvery = 10;
    const install = await createInstall(kafka, 'retry');
    const bulk = `${install.prefix}-bulk`;
    const flaky = `${install.prefix}-flaky`;
    let pipeline;
    const producer = kafka.producer();
    let lateness: number[] = [];
    let early = 0;
    let cpu: Record<string, number> = {};
    let sent = 0;
    try {
      await applySubscriptions(kafka, install, [
        benchSubscription({ id: 'bulk', url: receiver.fast(bulk), tier: 2 }),
        benchSubscription({ id: 'flaky', url: receiver.flaky(flaky), tier: 2, eventTypes: ['bench.flaky'] }),
      ]);
      pipeline = await startPipeline(install);
      await producer.connect();
      await warmUp(context, producer, install.source, [bulk], 200, 1);
      context.log(`${rate} events/s for ${durationMs / 1_000} s; 1 in ${flakyEvery} also goes to a receiver that answers 503 to each first attempt`);
      const meter = cpuMeter(pipelinePids(context, pipeline));
      const produced = await produceAtRate(producer, install.source, rate, durationMs, (n) => (n % flakyEvery === 0 ? 'bench.flaky' : 'bench.event'));
      sent = produced.sent;
      const flakyCount = Math.ceil(produced.sent / flakyEvery);
      const done = await waitDelivered(receiver, [flaky], flakyCount, 60_000);
      cpu = meter.stop();
      if (!done.complete) context.log(`only ${done.distinct} of ${flakyCount} retried deliveries arrived`);
      await sleep(1_000); // the last attempts' transactions
      const expect = 200 + produced.sent + 2 * flakyCount;
      const attempts = (await readAttempts(kafka, install.topics.attempts, { expect, timeoutMs: 60_000 })).filter((a) => a.subscriptionId === 'flaky');
      const byDelivery = Map.groupBy(attempts, (a) => a.deliveryId);
      for (const list of byDelivery.values()) {
        list.sort((a, b) => a.attempt - b.attempt);
        for (let i = 1; i < list.length; i++) {
          const due = list[i - 1]!.notBefore;
          if (due === undefined) continue;
          const late = list[i]!.attemptedAt - due;
          if (late < 0) early++;
          lateness.push(late);
        }
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await pipeline?.stop();
      await install.cleanup();
    }
    lateness = lateness.sort((a, b) => a - b);
    const s = summarize(lateness);
    return {
      scenario: 'retry',
      title: retry.title,
      method: `Router + deliverer under ${fmt(rate)} events/s (50 % of max) for ${durationMs / 1_000} s to a fast receiver; every ${flakyEvery}th event also matches a subscription (same tier) whose receiver answers 503 to the first attempt of each webhook-id, so it is retried through the 1 s retry topic. Lateness = the retry's attemptedAt − the previous attempt's notBefore, read from the attempts topic.`,
      tables: [
        {
          title: 'Retry lateness (ms): fired − due',
          head: ['retries', 'p50', 'p95', 'p99', 'max', 'min', 'early', 'load events/s', 'CPU (% of one core)'],
          rows: [[s.count, fmt(s.p50, 1), fmt(s.p95, 1), fmt(s.p99, 1), fmt(s.max, 1), fmt(s.min, 1), early, fmt(sent / (durationMs / 1_000)), cpuText(cpu)]],
        },
      ],
      data: { rate, lateness: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 2)])), early },
      targets: [{ target: 'retry lateness p99 ≤ 250 ms', measured: `p99 ${fmt(s.p99, 1)} ms over ${s.count} retries`, met: s.count > 0 ? s.p99 <= 250 : undefined }],
      charts: [
        {
          file: 'retry.svg',
          svg: barChart({
            title: 'Retry lateness under load (fired − due)',
            subtitle: `${s.count} retries at ${fmt(rate)} events/s`,
            yLabel: 'milliseconds',
            categories: ['p50', 'p95', 'p99', 'max'],
            series: [{ name: 'lateness', values: [s.p50, s.p95, s.p99, s.max] }],
          }),
        },
      ],
    };
  },
};
