import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { servicesClosed, startService, type RunningProcess, type ServiceName } from './services.ts';

export interface Supervised {
  readonly restarts: number;
  readonly current: RunningProcess;
  /** Every log line of every process it started. */
  readonly logs: Array<Record<string, unknown>>;
  ready(timeoutMs?: number): Promise<number>;
  /** Kills the current process with `signal`; the supervisor starts it again. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  /** The current process's warnings and errors, for a failure message. */
  problems(): string[];
  /** Stops for good (SIGTERM, or SIGKILL in cleanup); resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Keeps a service running as an orchestrator would: restarts it whenever it exits, until stopped. */
export function supervise(name: ServiceName, env: Record<string, string>): Supervised {
  let current: RunningProcess | undefined;
  let stopped = false;
  let restarts = 0;
  const earlier: Array<Record<string, unknown>> = [];
  const launch = () => {
    if (current) earlier.push(...current.logs);
    current = startService(name, env);
    void current.exited.then(() => {
      if (stopped || servicesClosed()) return;
      restarts++;
      setTimeout(() => {
        if (!stopped && !servicesClosed()) launch();
      }, 500);
    });
  };
  launch();
  return {
    get restarts() {
      return restarts;
    },
    get current() {
      return current!;
    },
    get logs() {
      return [...earlier, ...current!.logs];
    },
    ready: (timeoutMs = 120_000) => current!.ready(timeoutMs),
    kill: (signal) => current!.stop(signal),
    problems: () => current!.logs.filter((l) => l.level !== 'info' && l.level !== 30).slice(-15).map((l) => JSON.stringify(l).slice(0, 400)),
    async stop(signal = 'SIGTERM') {
      stopped = true;
      return current!.stop(signal);
    },
  };
}

/** With TEST_LOG_DIR set, every log line of these services goes to a file each, for a post-mortem. */
export function writeLogs(services: Supervised[], name: string): void {
  const dir = process.env.TEST_LOG_DIR;
  if (!dir) return;
  for (const [n, service] of services.entries()) writeFileSync(join(dir, `${name}-${n}.jsonl`), service.logs.map((l) => JSON.stringify(l)).join('\n'));
}
