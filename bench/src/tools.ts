// Kafka's own perf tools, run through scripts/kafka.sh on the broker's classpath.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brokers } from './kafka.ts';
import { repoRoot } from './paths.ts';

const run = promisify(execFile);

async function kafkaTool(args: string[], timeoutMs: number): Promise<string> {
  const { stdout } = await run('bash', [join(repoRoot, 'scripts/kafka.sh'), 'run', ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export interface ProducerPerfResult {
  records: number;
  rate: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p99LatencyMs: number;
  line: string;
}

/** ProducerPerformance at full speed (acks=all, the producer's defaults otherwise). */
export async function producerPerf(topic: string, records: number, options: { recordSize?: number; payloadFile?: string; timeoutMs?: number } = {}): Promise<ProducerPerfResult> {
  const payload = options.payloadFile ? ['--payload-file', options.payloadFile] : ['--record-size', String(options.recordSize ?? 250)];
  const stdout = await kafkaTool(
    ['producer-perf', '--bootstrap-server', brokers().join(','), '--topic', topic, '--num-records', String(records), '--throughput', '-1', ...payload, '--command-property', 'acks=all'],
    options.timeoutMs ?? 180_000,
  );
  // "1000000 records sent, 312500.0 records/sec (74.51 MB/sec), 95.3 ms avg latency, 420.0 ms max latency, 87 ms 50th, 200 ms 95th, 300 ms 99th, 400 ms 99.9th."
  const line = stdout.trim().split('\n').filter((l) => l.includes('records sent')).at(-1) ?? '';
  const match = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?, (\d+) ms 99th/.exec(line);
  if (!match) throw new Error(`could not read ProducerPerformance output:\n${stdout.slice(-500)}`);
  return { records: Number(match[1]), rate: Number(match[2]), mbPerSec: Number(match[3]), avgLatencyMs: Number(match[4]), p99LatencyMs: Number(match[5]), line };
}

export interface ConsumerPerfResult {
  records: number;
  rate: number;
  fetchRate: number;
  mbPerSec: number;
  line: string;
}

export async function consumerPerf(topic: string, records: number, timeoutMs = 120_000): Promise<ConsumerPerfResult> {
  const stdout = await kafkaTool(
    ['consumer-perf', '--bootstrap-server', brokers().join(','), '--topic', topic, '--num-records', String(records), '--timeout', '20000', '--group', `${topic}-perf-${Date.now()}`],
    timeoutMs,
  );
  // header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = stdout.trim().split('\n');
  const headerIndex = lines.findIndex((l) => l.includes('nMsg.sec'));
  const header = lines[headerIndex]?.split(',').map((s) => s.trim()) ?? [];
  const values = lines[headerIndex + 1]?.split(',').map((s) => s.trim()) ?? [];
  const get = (name: string) => Number(values[header.indexOf(name)]);
  if (headerIndex < 0 || !Number.isFinite(get('nMsg.sec'))) throw new Error(`could not read ConsumerPerformance output:\n${stdout.slice(-500)}`);
  return { records: get('data.consumed.in.nMsg'), rate: get('nMsg.sec'), fetchRate: get('fetch.nMsg.sec'), mbPerSec: get('MB.sec'), line: lines[headerIndex + 1] ?? '' };
}
