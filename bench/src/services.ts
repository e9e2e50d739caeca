import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { imageHeapFlags } from './image-node-options.ts';
import { brokers } from './kafka.ts';
import { repoRoot } from './paths.ts';

export type ServiceName = 'router' | 'deliverer' | 'monitor';

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Last lines of output (JSON logs and stderr), for error messages. */
  readonly output: string[];
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM (clean stop; writes the CPU profile when profiling), SIGKILL after the timeout. */
  stop(timeoutMs?: number): Promise<number | string>;
  readonly exited: Promise<number | string>;
  /** VmRSS and VmHWM (peak) of the process in MiB, from /proc/<pid>/status. */
  memory(): { rssMiB: number; peakMiB: number } | undefined;
}

/** Where `--profile` runs write their .cpuprofile files (set by run.ts). */
export const profiling: { dir?: string } = {};

/** Modules preloaded into every service with `--import` (`--experiment NAME`, set by run.ts). */
export const experiments: string[] = [];

/** Services that died on their own during the run (reported in the summary). */
export const unexpectedExits: string[] = [];

/** Extra Node flags for every service (`--node-flag`, set by run.ts), e.g. --max-old-space-size=128. */
export const nodeFlags: string[] = [];

/** Settings for every service (`--env NAME=VALUE`, set by run.ts): they win over the scenario's. */
export const serviceEnv: Record<string, string> = {};

/**
 * Starts a service's main as its own process, exactly the way test/support/services.ts does
 * (same entry point and environment), with warn-level logs.
 */
export async function startService(name: ServiceName, env: Record<string, string>, label: string = name): Promise<ServiceProcess> {
  // Logs stay at warn (the "ready" line is info), so readiness is read from /readyz on a
  // port picked here.
  const opsPort = await freePort();
  const args = ['--disable-warning=TimeoutNegativeWarning'];
  if (profiling.dir) {
    const dir = join(profiling.dir, label);
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  for (const file of experiments) args.push(`--import=${pathToFileURL(file).href}`);
  // The image's heap bounds first: a --node-flag given to the bench comes later and wins.
  args.push(...imageHeapFlags(), ...nodeFlags);
  args.push(join(repoRoot, `services/${name}/src/main.ts`));
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOOKRAIL_KAFKA_BROKERS: brokers().join(','),
      HOOKRAIL_OPS_PORT: String(opsPort),
      HOOKRAIL_OPS_HOST: '127.0.0.1',
      HOOKRAIL_LOG_LEVEL: 'warn',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...env,
      ...serviceEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tracked = track(label, child, () => false);
  let up = false;
  return {
    ...tracked,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!up) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          const state = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : `not ready after ${timeoutMs} ms`;
          throw new Error(`${label} ${state}:\n${tracked.output.slice(-15).join('\n')}`);
        }
        up = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then((r) => r.ok, () => false);
        if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Wraps a child process whose stdout says when it is ready. */
export function track(name: string, child: ChildProcess, isReady: (line: string) => boolean): ServiceProcess {
  const output: string[] = [];
  let isUp = false;
  const waiters: Array<() => void> = [];
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    if (!isUp && isReady(line)) {
      isUp = true;
      for (const waiter of waiters.splice(0)) waiter();
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.includes('TimeoutNegativeWarning') || line.includes('ExperimentalWarning')) return;
    keep(line);
    if (process.env.BENCH_SERVICE_STDERR) process.stderr.write(`[${name}] ${line}\n`);
  });
  let stopping = false;
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  exited.then((code) => {
    for (const waiter of waiters.splice(0)) waiter();
    if (!stopping) {
      unexpectedExits.push(`${name} exited (${code}) while the benchmark ran`);
      process.stderr.write(`\n!! ${name} (pid ${child.pid}) exited unexpectedly (${code}); its last output:\n${output.slice(-20).join('\n')}\n`);
    }
  });

  return {
    name,
    child,
    pid: child.pid ?? -1,
    output,
    exited,
    async ready(timeoutMs = 90_000) {
      if (!isUp) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
      if (!isUp) {
        const state = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : `not ready after ${timeoutMs} ms`;
        throw new Error(`${name} ${state}:\n${output.slice(-15).join('\n')}`);
      }
    },
    async stop(timeoutMs = 30_000) {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    memory() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
        return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
      } catch {
        return undefined;
      }
    },
  };
}

/** Stops every process given, in parallel; never throws. */
export async function stopAll(processes: Iterable<ServiceProcess | undefined>, timeoutMs = 30_000): Promise<void> {
  await Promise.all([...processes].map((p) => p?.stop(timeoutMs).catch(() => undefined)));
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (after pid and comm), in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
