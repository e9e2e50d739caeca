// A real Prometheus (and Alertmanager) from Debian's packages for the monitor's tests: started on
// loopback ports with a temporary configuration and storage, stopped by the test's `after`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tool } from './monitor.ts';
import { eventually } from './topics.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ToolProcess {
  readonly url: string;
  readonly output: string[];
  stop(): Promise<void>;
}

async function startTool(binary: string, args: string[], port: number, readyPath: string): Promise<ToolProcess> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${binary} exited (${child.exitCode}):\n${output.join('').slice(-2_000)}`);
      const response = await fetch(`${url}${readyPath}`).catch(() => undefined);
      return response?.ok ? true : undefined;
    }, 60_000, `${binary} to be ready`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output, stop };
}

/**
 * Prometheus scraping `targets` (job hookrail-monitor) and the `jobs` given (as
 * deploy/prometheus.yml names them) every second, evaluating `ruleFiles` every second.
 */
export async function startPrometheus(options: { targets: string[]; jobs?: Record<string, string[]>; ruleFiles: string[]; alertmanager?: string }): Promise<ToolProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrail-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    ...(options.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] } } : {}),
    scrape_configs: [
      { job_name: 'hookrail-monitor', static_configs: [{ targets: options.targets }] },
      ...Object.entries(options.jobs ?? {}).map(([job, targets]) => ({ job_name: job, static_configs: [{ targets }] })),
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2)); // JSON is YAML
  return startTool(
    tool('/usr/bin/prometheus', 'prometheus'),
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    port,
    '/-/ready',
  );
}

/** Alertmanager with the given configuration file, clustering off. */
export async function startAlertmanager(configFile: string): Promise<ToolProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrail-alertmanager-'));
  const port = await freePort();
  return startTool(
    tool('/usr/bin/prometheus-alertmanager', 'prometheus-alertmanager'),
    [`--config.file=${configFile}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    port,
    '/-/ready',
  );
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; throws on a query error, returns the vector (or scalar as one sample). */
export async function query(prometheus: string, promql: string): Promise<{ samples: Sample[]; warnings: string[] }> {
  const response = await fetch(`${prometheus}/api/v1/query?${new URLSearchParams({ query: promql })}`);
  const body = (await response.json()) as { status: string; error?: string; warnings?: string[]; data?: { resultType: string; result: unknown } };
  if (body.status !== 'success') throw new Error(`query error for ${promql}: ${body.error}`);
  const { resultType, result } = body.data!;
  const samples = resultType === 'vector' ? (result as Sample[]) : resultType === 'scalar' ? [{ metric: {}, value: result as [number, string] }] : [];
  return { samples, warnings: body.warnings ?? [] };
}
