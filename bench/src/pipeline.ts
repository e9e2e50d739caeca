// Helpers shared by the scenarios that run the real services.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { Context } from './context.ts';
import { eventPayload, type Install } from './kafka.ts';
import { repoRoot } from './paths.ts';
import type { NameStats, Receiver } from './receiver.ts';
import { cpuSeconds, startService, stopAll, type ServiceProcess } from './services.ts';
import { nowMs, sleep } from './stats.ts';

export interface Pipeline {
  router?: ServiceProcess;
  deliverers: ServiceProcess[];
  monitor?: ServiceProcess;
  all(): ServiceProcess[];
  stop(): Promise<void>;
}

export async function startPipeline(
  install: Install,
  options: { router?: boolean; deliverers?: number; monitor?: boolean; env?: Record<string, string> } = {},
): Promise<Pipeline> {
  const env = { ...install.env, ...options.env };
  const pipeline: Pipeline = {
    deliverers: [],
    all: () => [pipeline.router, ...pipeline.deliverers, pipeline.monitor].filter((p): p is ServiceProcess => p !== undefined),
    stop: () => stopAll(pipeline.all()),
  };
  if (options.router ?? true) pipeline.router = await startService('router', { ...env, HOOKRAIL_INSTANCE_ID: `${install.prefix}-router` }, 'router');
  for (let i = 0; i < (options.deliverers ?? 1); i++) {
    pipeline.deliverers.push(await startService('deliverer', { ...env, HOOKRAIL_INSTANCE_ID: `${install.prefix}-deliverer-${i + 1}` }, `deliverer-${i + 1}`));
  }
  if (options.monitor) pipeline.monitor = await startService('monitor', { ...env, HOOKRAIL_MONITOR_POLL_INTERVAL: '2s' }, 'monitor');
  try {
    await Promise.all(pipeline.all().map((p) => p.ready()));
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
  return pipeline;
}

/** Sum of distinct 2xx deliveries over the receiver names, and the latest new one's time. */
export async function deliveredOf(receiver: Receiver, names: string[]): Promise<{ distinct: number; lastNewAt: number; stats: Record<string, NameStats> }> {
  const stats = await receiver.stats();
  let distinct = 0;
  let lastNewAt = 0;
  for (const name of names) {
    distinct += stats[name]?.distinct ?? 0;
    lastNewAt = Math.max(lastNewAt, stats[name]?.lastNewAt ?? 0);
  }
  return { distinct, lastNewAt, stats };
}

/** Waits until `target` distinct deliveries reached the names (or the time is up). */
export async function waitDelivered(receiver: Receiver, names: string[], target: number, timeoutMs: number, onProgress?: (distinct: number) => void): Promise<{ distinct: number; lastNewAt: number; complete: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const { distinct, lastNewAt } = await deliveredOf(receiver, names);
    if (distinct >= target) return { distinct, lastNewAt, complete: true };
    if (Date.now() > deadline) return { distinct, lastNewAt, complete: false };
    if (onProgress && Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      onProgress(distinct);
    }
    await sleep(50);
  }
}

/**
 * Open-loop constant-rate producer: event i is due at start + i / rate, carries that
 * scheduled time as "t" (so producer stalls count as latency: no coordinated omission), and
 * is sent in the first 5 ms tick at or after it.
 */
export async function produceAtRate(
  producer: Producer,
  topic: string,
  rate: number,
  durationMs: number,
  type: (n: number) => string = () => 'bench.event',
): Promise<{ sent: number; start: number; seconds: number }> {
  const start = nowMs();
  const total = Math.floor((rate * durationMs) / 1_000);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((nowMs() - start) * rate) / 1_000) + 1);
    if (due > sent) {
      const messages = [];
      for (let n = sent; n < due; n++) {
        const event = eventPayload(start + (n * 1_000) / rate, n, type(n));
        messages.push({ key: event.id, value: event.value });
      }
      sent = due;
      await producer.send({ topic, acks: -1, messages });
    }
    const nextDue = start + (sent * 1_000) / rate;
    const wait = Math.max(0, Math.min(5, nextDue - nowMs()));
    if (wait > 0) await sleep(wait);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return { sent, start, seconds: (nowMs() - start) / 1_000 };
}

/** The broker's JVM pid (scripts/kafka.sh writes it to its KAFKA_HOME_DIR), for CPU accounting. */
export function brokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(process.env.KAFKA_HOME_DIR ?? join(repoRoot, '.kafka'), 'kafka.pid'), 'utf8').trim());
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU used by each named process between start() and stop(), as % of one core. */
export function cpuMeter(processes: Record<string, number | undefined>): { stop(): Record<string, number> } {
  const begin = performance.now();
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? cpuSeconds(pid) : Number.NaN]));
  return {
    stop() {
      const seconds = (performance.now() - begin) / 1_000;
      return Object.fromEntries(
        Object.entries(processes).map(([name, pid]) => [name, pid ? Math.round(((cpuSeconds(pid) - before[name]!) / seconds) * 100) : Number.NaN]),
      );
    },
  };
}

/** The pids worth accounting in a pipeline run: broker, receiver, this process, the services. */
export function pipelinePids(context: Context, pipeline?: Pipeline, extra: Record<string, number | undefined> = {}): Record<string, number | undefined> {
  const pids: Record<string, number | undefined> = { broker: brokerPid(), receiver: context.receiver.pid, 'bench (load)': process.pid, ...extra };
  for (const p of pipeline?.all() ?? []) pids[p.name] = p.pid;
  return pids;
}

export function cpuText(usage: Record<string, number>): string {
  return Object.entries(usage)
    .filter(([, v]) => Number.isFinite(v))
    .map(([name, v]) => `${name} ${v} %`)
    .join(', ');
}

/** Warm-up: `count` events through the pipeline, so consumers are assigned and connections open. */
export async function warmUp(context: Context, producer: Producer, topic: string, names: string[], count: number, perEvent: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, n) => {
    const event = eventPayload(nowMs(), n);
    return { key: event.id, value: event.value };
  });
  await producer.send({ topic, acks: -1, messages });
  const result = await waitDelivered(context.receiver, names, count * perEvent, 90_000);
  if (!result.complete) throw new Error(`warm-up: only ${result.distinct} of ${count * perEvent} deliveries arrived in 90 s`);
  await context.receiver.reset();
}
