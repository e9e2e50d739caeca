import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { benchRoot } from './paths.ts';

export interface NameStats {
  ok: number;
  failed: number;
  distinct: number;
  firstAt: number;
  lastNewAt: number;
  inFlight: number;
  peakInFlight: number;
  latencies?: number[];
  /** The scheduled send time of each latency sample. */
  sentAt?: number[];
  /** [arrival ms, status] of every request while latency recording was on. */
  requests?: Array<[number, number]>;
}

export interface Receiver {
  readonly base: string;
  readonly pid: number;
  fast(name: string): string;
  slow(name: string, ms: number): string;
  flaky(name: string): string;
  /** 500 to every request. */
  fail(name: string): string;
  /** 503 to the first attempt of `percent` % of the webhook-ids, 200 otherwise. */
  flakyPercent(name: string, percent: number): string;
  /** Between epoch ms `from` and `to`: slow by `slowMs`, or answering `status`; 200 at once outside. */
  during(name: string, from: number, to: number, behaviour: { slowMs: number } | { status: number }): string;
  stats(latencies?: boolean): Promise<Record<string, NameStats>>;
  statsOf(name: string, latencies?: boolean): Promise<NameStats>;
  reset(): Promise<void>;
  recordLatency(on: boolean): Promise<void>;
  /** `count` base URLs (http://127.0.0.1:<port>), each a distinct origin served like `base`. */
  origins(count: number): Promise<string[]>;
  close(): Promise<void>;
}

const EMPTY: NameStats = { ok: 0, failed: 0, distinct: 0, firstAt: 0, lastNewAt: 0, inFlight: 0, peakInFlight: 0 };

/** Starts the receiver process (bench/src/receiver-process.ts) on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = fork(join(benchRoot, 'src/receiver-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: number }) => (message.port ? resolve(message.port) : reject(new Error('receiver did not start'))));
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
  });
  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  child.on('message', (message: { id?: number }) => {
    if (message.id === undefined) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const call = <T>(command: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ ...command, id });
    });
  const base = `http://127.0.0.1:${port}`;
  const receiver: Receiver = {
    base,
    pid: child.pid ?? -1,
    fast: (name) => `${base}/fast/${name}`,
    slow: (name, ms) => `${base}/slow/${ms}/${name}`,
    flaky: (name) => `${base}/flaky/${name}`,
    fail: (name) => `${base}/fail/${name}`,
    flakyPercent: (name, percent) => `${base}/flaky/${percent}/${name}`,
    during: (name, from, to, behaviour) => `${base}/window/${Math.round(from)}/${Math.round(to)}/${'slowMs' in behaviour ? `slow-${behaviour.slowMs}` : `status-${behaviour.status}`}/${name}`,
    stats: async (latencies = false) => (await call<{ stats: Record<string, NameStats> }>({ op: 'stats', latencies })).stats,
    statsOf: async (name, latencies = false) => (await receiver.stats(latencies))[name] ?? EMPTY,
    reset: async () => void (await call({ op: 'reset' })),
    recordLatency: async (on) => void (await call({ op: 'record', on })),
    origins: async (count) => (await call<{ ports: number[] }>({ op: 'ports', count })).ports.map((p) => `http://127.0.0.1:${p}`),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return receiver;
}
