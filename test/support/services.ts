import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after } from 'node:test';
import { exitOnSignal } from './exit-on-signal.ts';
import { repoRoot, testBrokers } from './kafka.ts';

export type ServiceName = 'router' | 'deliverer' | 'monitor';

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Non-JSON output (stderr, warnings). */
  readonly stderr: string[];
  /** Resolves with the ops port once the service logs "ready". */
  ready(timeoutMs?: number): Promise<number>;
  /** Sends a signal and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  exited: Promise<number | string>;
}

// Services a test started and that still run: killed once the file's tests are done (a test
// that failed half-way leaves its services behind, and their pipes would keep the test process
// from ending), and when the test process exits whatever the way (a signal included), so no
// run leaves an orphan behind.
const live = new Set<ChildProcess>();
let closed = false;
const killLive = () => {
  closed = true;
  for (const child of live) child.kill('SIGKILL');
};
after(killLive);
process.on('exit', killLive);
exitOnSignal();

/** True once the file's tests are done: a supervisor must not start a service again. */
export const servicesClosed = (): boolean => closed;

/** Starts a service's main as its own process, the way an operator runs it. */
export function startService(name: ServiceName, env: Record<string, string>): RunningProcess {
  if (closed) throw new Error(`${name}: the tests of this file are done, no service starts now`);
  const child = spawn(
    process.execPath,
    ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, `services/${name}/src/main.ts`)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        // The runner's compile cache (scripts/run-tests.ts): a service starts with less CPU.
        ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
        HOOKRAIL_KAFKA_BROKERS: testBrokers().join(','),
        HOOKRAIL_OPS_PORT: '0',
        HOOKRAIL_OPS_HOST: '127.0.0.1',
        HOOKRAIL_LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      stderr.push(line);
    }
    for (const waiter of waiters.splice(0)) waiter();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (process.env.TEST_SERVICE_STDERR) process.stderr.write(`[${name}] ${line}\n`);
  });
  live.add(child);
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    return (code ?? signal) as number | string;
  });

  return {
    child,
    logs,
    stderr,
    exited,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs.find((entry) => entry.msg === 'ready');
        if (line) return Number(line.opsPort);
        if (child.exitCode !== null) {
          throw new Error(`${name} exited (${child.exitCode}) before it was ready:\n${[...stderr, ...logs.map((l) => JSON.stringify(l))].slice(-20).join('\n')}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms:\n${stderr.slice(-10).join('\n')}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 200))]);
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
