// Experiment (not a change to the services): loaded with `node --import`, it counts the Kafka
// requests each KafkaJS client of a service sends, by API, with their total duration, and
// writes them every second to $TMPDIR/hookrail-bench-requests/<service>-<pid>.json. It answers
// "what does the broker spend its CPU on" at a steady load, e.g.
// `npm run bench -- --scenario latency --experiment request-counts`, then
// `node bench/src/experiments/request-counts.ts` prints the rates per service and API.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const dir = join(tmpdir(), 'hookrail-bench-requests');

interface Counts {
  service: string;
  startedAt: number;
  updatedAt: number;
  /** `client kind:API` → [requests, total ms]. */
  requests: Record<string, [number, number]>;
  /** `client kind:API` → the durations (ms) of its first 50,000 requests. */
  durations: Record<string, number[]>;
}

type TransactionStep = (...args: unknown[]) => Promise<unknown>;
type TransactionalProducer = { transaction(): Promise<Record<'send' | 'sendOffsets' | 'commit' | 'abort', TransactionStep>> };
type Emitter = { on(event: string, listener: (event: { payload: { apiName: string; duration: number } }) => void): unknown; events: { REQUEST: string } };

if (process.argv[1]?.endsWith('request-counts.ts')) {
  // Run directly: print what the services of the last run wrote.
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const counts = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Counts;
    const seconds = (counts.updatedAt - counts.startedAt) / 1_000;
    process.stdout.write(`${file} (${seconds.toFixed(0)} s)\n`);
    const rows = Object.entries(counts.requests).sort((a, b) => b[1][0] - a[1][0]);
    for (const [name, [n, ms]] of rows) {
      const sorted = (counts.durations[name] ?? []).sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
      process.stdout.write(`  ${name.padEnd(36)} ${(n / seconds).toFixed(1).padStart(7)}/s  avg ${(ms / n).toFixed(1)}  p50 ${at(0.5)}  p99 ${at(0.99)}  max ${sorted.at(-1)} ms\n`);
    }
  }
} else {
  const require = createRequire(import.meta.url);
  const kafkajs = require('kafkajs') as { Kafka: { prototype: Record<'consumer' | 'producer' | 'admin', (config?: unknown) => Emitter> } };
  const service = basename(dirname(dirname(process.argv[1] ?? 'unknown/src/x')));
  const counts: Counts = { service, startedAt: Date.now(), updatedAt: Date.now(), requests: {}, durations: {} };
  for (const kind of ['consumer', 'producer', 'admin'] as const) {
    const original = kafkajs.Kafka.prototype[kind];
    kafkajs.Kafka.prototype[kind] = function client(this: unknown, config?: unknown) {
      const created = original.call(this, config);
      if (kind === 'producer') timeTransactions(created as unknown as TransactionalProducer);
      created.on(created.events.REQUEST, ({ payload }) => {
        const key = `${kind}:${payload.apiName}`;
        const entry = (counts.requests[key] ??= [0, 0]);
        entry[0]++;
        entry[1] += payload.duration;
        const durations = (counts.durations[key] ??= []);
        if (durations.length < 50_000) durations.push(payload.duration);
      });
      return created;
    };
  }
  /** Each transaction's steps, timed like a request: `txn:<step>` and `txn:total` (begin → commit). */
  function timeTransactions(producer: TransactionalProducer) {
    const begin = producer.transaction.bind(producer);
    const record = (key: string, ms: number) => {
      const entry = (counts.requests[key] ??= [0, 0]);
      entry[0]++;
      entry[1] += ms;
      const durations = (counts.durations[key] ??= []);
      if (durations.length < 50_000) durations.push(Math.round(ms * 10) / 10);
    };
    producer.transaction = async () => {
      const started = performance.now();
      const transaction = await begin();
      record('txn:begin', performance.now() - started);
      for (const step of ['send', 'sendOffsets', 'commit', 'abort'] as const) {
        const call = transaction[step].bind(transaction);
        transaction[step] = async (...args: unknown[]) => {
          const at = performance.now();
          try {
            return await call(...args);
          } finally {
            record(`txn:${step}`, performance.now() - at);
            if (step === 'commit') record('txn:total', performance.now() - started);
          }
        };
      }
      return transaction;
    };
  }
  // Garbage collections (`gc:<kind>`) and event-loop stalls, timed like requests.
  const { PerformanceObserver, monitorEventLoopDelay, constants } = await import('node:perf_hooks');
  const kinds: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const key = `gc:${kinds[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? 'other'}`;
      const counted = (counts.requests[key] ??= [0, 0]);
      counted[0]++;
      counted[1] += entry.duration;
      const durations = (counts.durations[key] ??= []);
      if (durations.length < 50_000) durations.push(Math.round(entry.duration * 10) / 10);
    }
  }).observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${service}-${process.pid}.json`);
  setInterval(() => {
    counts.updatedAt = Date.now();
    counts.requests['loop:delay-max'] = [1, loopDelay.max / 1e6];
    counts.requests['loop:delay-p99'] = [1, loopDelay.percentile(99) / 1e6];
    writeFileSync(file, JSON.stringify(counts));
  }, 1_000).unref();
}
