import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, type as osType } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  kafka: string;
  kafkajs: string;
  platformaticKafka: string;
  undici: string;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

let cached: MachineInfo | undefined;

export function machineInfo(): MachineInfo {
  if (cached) return cached;
  let java = 'unknown';
  try {
    const out = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    java = out.split('\n')[0] ?? java;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    if (stderr) java = stderr.split('\n')[0] ?? java;
  }
  // java -version prints to stderr; execFileSync returns stdout only.
  if (java === '' || java === 'unknown') {
    try {
      java = execFileSync('bash', ['-c', 'java -version 2>&1 | head -n1'], { encoding: 'utf8' }).trim();
    } catch {
      /* keep unknown */
    }
  }
  const pom = readFileSync(join(repoRoot, 'kafka/pom.xml'), 'utf8');
  const kafka = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
  const cpuList = cpus();
  cached = {
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    java,
    kafka,
    kafkajs: packageVersion('kafkajs'),
    platformaticKafka: packageVersion('@platformatic/kafka'),
    undici: packageVersion('undici'),
  };
  return cached;
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [Math.round(a * 100) / 100, Math.round(b * 100) / 100, Math.round(c * 100) / 100];
}
