import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './kafka.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why podman cannot run containers here, or undefined when it can. */
export function podmanUnavailable(): string | undefined {
  const info = spawnSync('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], { encoding: 'utf8' });
  if (info.error) return `podman is not installed (${info.error.message}); .ci/run installs it`;
  if (info.status !== 0) return `podman cannot run here: ${info.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

/** Runs a command to its end; a non-zero exit throws with its output unless `allowFail`. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; allowFail?: boolean; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      if (code !== 0 && !options.allowFail) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-4_000)}${stdout.slice(-2_000)}`));
      } else {
        resolve({ code, stdout, stderr });
      }
    });
  });
}

export const podman = (args: string[], options: { allowFail?: boolean } = {}) => run('podman', args, options);

export interface ComposeService {
  image?: string;
  profiles?: string[];
  healthcheck?: { disable?: boolean; test?: unknown };
  depends_on?: Record<string, { condition: string }>;
}

export function composeServices(file = join(repoRoot, 'docker-compose.yml')): Record<string, ComposeService> {
  return (parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> }).services;
}

/**
 * The services in start order, as layers: a layer starts once every service it depends on has
 * met its condition (what `docker compose up` does; podman 4.3 cannot evaluate the
 * conditions itself, see test/containers.test.ts).
 */
export function startLayers(services: Record<string, ComposeService>, names: string[]): string[][] {
  const layers: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < names.length) {
    const layer = names.filter((name) => !placed.has(name) && Object.keys(services[name]!.depends_on ?? {}).every((dep) => placed.has(dep)));
    if (layer.length === 0) throw new Error(`docker-compose.yml: circular or missing depends_on among ${names.filter((n) => !placed.has(n)).join(', ')}`);
    for (const name of layer) placed.add(name);
    layers.push(layer);
  }
  return layers;
}

/** The conditions other services wait for on `name` (service_healthy, service_completed_successfully). */
export function conditionsOn(services: Record<string, ComposeService>, name: string): Set<string> {
  const conditions = new Set<string>();
  for (const service of Object.values(services)) {
    const condition = service.depends_on?.[name]?.condition;
    if (condition) conditions.add(condition);
  }
  return conditions;
}
