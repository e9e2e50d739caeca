// 8. Scaling: 1, 2 and 3 deliverer instances in one consumer group.
import { cpus } from 'node:os';
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, produceDeliveries } from '../kafka.ts';
import { cpuMeter, cpuText, pipelinePids, startPipeline, waitDelivered } from '../pipeline.ts';
import type { ScenarioResult } from '../report.ts';
import { barChart } from '../svg.ts';
import { fmt, nowMs, sleep } from '../stats.ts';

const PARTITIONS = 6;

export const scaling: Scenario = {
  name: 'scaling',
  title: 'Scaling: 1, 2 and 3 deliverer instances in one group',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const perPartition = context.size(5_000, 500);
    const install = await createInstall(kafka, 'scaling', { partitions: PARTITIONS });
    const names = Array.from({ length: PARTITIONS }, (_, i) => `${install.prefix}-s${i + 1}`);
    const subscriptions = names.map((name, i) => benchSubscription({ id: `s${i + 1}`, url: receiver.fast(name) }));
    const results: Array<{ instances: number; rate: number; seconds: number; complete: boolean; cpu: Record<string, number> }> = [];
    const producer = kafka.producer();
    // Subscription i's deliveries on partition i: the load spreads over every partition.
    const produce = (count: number) => Promise.all(subscriptions.map((s, i) => produceDeliveries(producer, install.topics.tier(2), s, count, { partition: i, concurrency: 1 })));
    try {
      await applySubscriptions(kafka, install, subscriptions);
      await producer.connect();
      for (const instances of [1, 2, 3]) {
        context.log(`${instances} deliverer(s)`);
        const pipeline = await startPipeline(install, { router: false, deliverers: instances });
        try {
          // Warm up until every partition delivers, then let the group settle.
          await receiver.reset();
          await produce(20);
          const warm = await waitDelivered(receiver, names, 20 * PARTITIONS, 90_000);
          if (!warm.complete) throw new Error(`warm-up: ${warm.distinct} of ${20 * PARTITIONS}`);
          await sleep(2_000);
          await receiver.reset();
          const meter = cpuMeter(pipelinePids(context, pipeline));
          const t0 = nowMs();
          await produce(perPartition);
          const total = perPartition * PARTITIONS;
          const done = await waitDelivered(receiver, names, total, context.size(180_000, 60_000), (n) => context.log(`${n} / ${total}`));
          const cpu = meter.stop();
          const seconds = (done.lastNewAt - t0) / 1_000;
          results.push({ instances, rate: done.distinct / seconds, seconds, complete: done.complete, cpu });
        } finally {
          await pipeline.stop();
        }
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
      await install.cleanup();
    }
    const base = results[0]?.rate;
    const cores = cpus().length;
    return {
      scenario: 'scaling',
      title: scaling.title,
      method: `Deliverer processes with distinct instance ids in one group (no router); ${PARTITIONS} subscriptions, subscription i's delivery records on partition i of the ${PARTITIONS}-partition tier topic, ${fmt(perPartition * PARTITIONS)} records produced after a warm-up that reaches every partition; timed from the first produce to the last new 2xx.`,
      tables: [
        {
          title: 'Deliverer instances in one group',
          head: ['instances', 'deliveries/s', 'speed-up', 'seconds', 'CPU (% of one core)'],
          rows: results.map((r) => [r.instances, fmt(r.rate), base ? `${(r.rate / base).toFixed(2)}×` : 'n/a', `${r.seconds.toFixed(1)}${r.complete ? '' : ' (timed out)'}`, cpuText(r.cpu)]),
        },
      ],
      data: { results },
      notes: [
        `This machine has ${cores} cores shared by the broker, the receiver, the load generator and every deliverer: a second or third instance adds consumers and transactions but no CPU, so it can spread partitions but not add capacity here; scaling out is for more machines (or cores).`,
      ],
      charts: [
        {
          file: 'scaling.svg',
          svg: barChart({
            title: 'Deliverer instances in one group',
            subtitle: `${cores} cores shared with the broker, receiver and load generator`,
            yLabel: 'deliveries / s',
            categories: results.map((r) => `${r.instances} instance${r.instances > 1 ? 's' : ''}`),
            series: [{ name: 'deliveries/s', values: results.map((r) => r.rate) }],
          }),
        },
      ],
    };
  },
};
