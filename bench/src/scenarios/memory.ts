// 7. Memory: RSS of each service at steady load, and facing a backlog of a million records.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, Scenario } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, eventPayload, produceBacklog } from '../kafka.ts';
import { imageHeapFlags } from '../image-node-options.ts';
import { produceAtRate, startPipeline, waitDelivered, warmUp, type Pipeline } from '../pipeline.ts';
import { nodeFlags } from '../services.ts';
import type { ScenarioResult } from '../report.ts';
import { lineChart } from '../svg.ts';
import { fmt, nowMs, round, sleep } from '../stats.ts';
import { producerPerf } from '../tools.ts';
import { maxEventsPerSecond } from './latency.ts';

interface Samples {
  [service: string]: Array<[number, number]>;
}

/** Samples VmRSS of each service every `everyMs` while `work` runs (or for `durationMs`). */
async function sampleRss(pipeline: Pipeline, durationMs: number, everyMs = 500, work?: Promise<unknown>): Promise<{ samples: Samples; peak: Record<string, number> }> {
  const samples: Samples = {};
  const start = Date.now();
  let done = false;
  void work?.finally(() => (done = true));
  while (Date.now() - start < durationMs && !(work && done)) {
    const t = (Date.now() - start) / 1_000;
    for (const p of pipeline.all()) {
      const m = p.memory();
      if (m) (samples[p.name] ??= []).push([round(t, 1), round(m.rssMiB, 1)]);
    }
    await sleep(everyMs);
  }
  const peak = Object.fromEntries(pipeline.all().map((p) => [p.name, round(p.memory()?.peakMiB ?? Number.NaN, 1)]));
  return { samples, peak };
}

const finiteMax = (...values: number[]) => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? Math.max(...finite) : Number.NaN;
};

const stat = (points: Array<[number, number]> | undefined) => {
  const values = (points ?? []).map(([, v]) => v).filter(Number.isFinite);
  return { max: values.length ? Math.max(...values) : Number.NaN, last: values.at(-1) ?? Number.NaN, mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN };
};

export const memory: Scenario = {
  name: 'memory',
  title: 'Memory: RSS of each service at steady load and with a backlog of a million records',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka, receiver } = context;
    const max = await maxEventsPerSecond(context);
    const rate = Math.max(20, Math.round(max * 0.5));
    const steadyMs = context.size(20_000, 6_000);
    // Sampled until the pipeline has done this much of the backlog (or the time is up): on a
    // busy machine a fixed window measured services that had barely started on it.
    const drainTarget = context.size(75_000, 10_000);
    const backlogMs = context.size(300_000, 60_000);
    const backlog = context.size(1_000_000, 100_000);
    const install = await createInstall(kafka, 'memory');
    const name = `${install.prefix}-s1`;
    const subscription = benchSubscription({ id: 's1', url: receiver.fast(name) });
    const notes: string[] = [];
    let steady: Awaited<ReturnType<typeof sampleRss>> | undefined;
    let loaded: Awaited<ReturnType<typeof sampleRss>> | undefined;
    let pipeline: Pipeline | undefined;
    let deliveredInBacklog = 0;
    let drainSeconds = Number.NaN;
    const producer = kafka.producer();
    const start = async () => {
      try {
        return await startPipeline(install, { monitor: true });
      } catch (error) {
        notes.push(`the monitor did not start (${String((error as Error).message).split('\n')[0]}); measured without it`);
        return await startPipeline(install);
      }
    };
    try {
      await applySubscriptions(kafka, install, [subscription]);
      pipeline = await start();
      await producer.connect();
      await warmUp(context, producer, install.source, [name], 200, 1);
      context.log(`steady: ${rate} events/s for ${steadyMs / 1_000} s`);
      const load = produceAtRate(producer, install.source, rate, steadyMs);
      steady = await sampleRss(pipeline, steadyMs + 5_000, 500, load.then(() => sleep(1_000)));
      await pipeline.stop();
      pipeline = undefined;

      context.log(`backlog: ${backlog} delivery records to the tier topic and ${backlog} events to the source topic`);
      let reported = 0;
      await produceBacklog(install.topics.tier(2), subscription, backlog, (sent) => {
        if (sent - reported >= 250_000) {
          reported = sent;
          context.log(`${sent} delivery records`);
        }
      });
      const payloadFile = join(mkdtempSync(join(tmpdir(), 'hookrail-bench-')), 'events.jsonl');
      writeFileSync(payloadFile, Array.from({ length: 5_000 }, (_, n) => eventPayload(nowMs(), n).value).join('\n'));
      await producerPerf(install.source, backlog, { payloadFile });
      await receiver.reset();
      context.log(`services started on the backlog; RSS sampled until ${fmt(drainTarget)} deliveries (at most ${backlogMs / 1_000} s)`);
      pipeline = await start();
      const drainStart = nowMs();
      loaded = await sampleRss(pipeline, backlogMs, 500, waitDelivered(receiver, [name], drainTarget, backlogMs));
      drainSeconds = (nowMs() - drainStart) / 1_000;
      deliveredInBacklog = (await receiver.statsOf(name)).distinct;
    } finally {
      await producer.disconnect().catch(() => undefined);
      await pipeline?.stop();
      await install.cleanup();
    }
    const services = [...new Set([...Object.keys(steady?.samples ?? {}), ...Object.keys(loaded?.samples ?? {})])];
    const rows = services.map((service) => {
      const a = stat(steady?.samples[service]);
      const b = stat(loaded?.samples[service]);
      const peak = finiteMax(b.max, loaded?.peak[service] ?? Number.NaN);
      return { service, steadyMean: a.mean, steadyMax: finiteMax(a.max, steady?.peak[service] ?? Number.NaN), backlogMax: peak, backlogLast: b.last };
    });
    const worst = finiteMax(...rows.map((r) => r.backlogMax));
    return {
      scenario: 'memory',
      title: memory.title,
      method: `RSS (VmRSS from /proc/<pid>/status every 0.5 s; peak also from VmHWM) of each service process: (a) at ${fmt(rate)} events/s (50 % of max) for ${steadyMs / 1_000} s; (b) restarted facing ${fmt(backlog)} delivery records in the tier topic and ${fmt(backlog)} events in the source topic (ProducerPerformance with a JSON payload file), until they have made ${fmt(drainTarget)} deliveries from it (at most ${backlogMs / 1_000} s; fast receiver). Node flags of every service: ${[...imageHeapFlags(), ...nodeFlags].join(' ') || 'none'} (the image's, bench/src/image-node-options.ts).`,
      tables: [
        {
          title: 'RSS per service (MiB)',
          head: ['service', 'steady mean', 'steady peak', `backlog peak (${fmt(backlog)} records)`, 'backlog at end'],
          rows: rows.map((r) => [r.service, fmt(r.steadyMean, 1), fmt(r.steadyMax, 1), fmt(r.backlogMax, 1), fmt(r.backlogLast, 1)]),
        },
      ],
      data: { rate, backlog, rows, deliveredInBacklog, drainSeconds, nodeFlags: [...imageHeapFlags(), ...nodeFlags], steady: steady?.samples, loaded: loaded?.samples },
      targets: [{ target: 'RSS ≤ 256 MB per service with the backlog', measured: `highest peak ${fmt(worst, 1)} MiB`, met: Number.isFinite(worst) ? worst <= 256 : undefined }],
      notes: [...notes, `${fmt(deliveredInBacklog)} deliveries were made in the ${fmt(drainSeconds, 1)} s of backlog sampling (${fmt(deliveredInBacklog / drainSeconds)}/s).`],
      charts: [
        {
          file: 'memory.svg',
          svg: lineChart({
            title: `RSS facing a backlog of ${fmt(backlog)} records`,
            subtitle: 'each service restarted on the backlog; VmRSS every 0.5 s',
            xLabel: 'seconds since start',
            yLabel: 'MiB',
            series: Object.entries(loaded?.samples ?? {}).map(([service, points]) => ({ name: service, points })),
          }),
        },
      ],
    };
  },
};
