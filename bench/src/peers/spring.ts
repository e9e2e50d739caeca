// The Spring Kafka peer (bench/peers/spring): built with Maven when its sources are newer than
// its jar (offline first: ~/.m2 is a cache after the first fetch), run as its own JVM.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchRoot } from '../paths.ts';
import { track, type ServiceProcess } from '../services.ts';

export const springDir = join(benchRoot, 'peers/spring');
const jar = join(springDir, 'target/spring-deliverer.jar');

/** Heap bounds of the JVM: the 256 MiB memory goal hookrail's services are held to. */
export const SPRING_JVM_FLAGS = ['-Xms64m', '-Xmx256m'];

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** Builds the jar unless it is newer than pom.xml and src/; returns how it went, in a word. */
export function buildSpring(log: (message: string) => void): 'fresh' | 'built' {
  if (existsSync(jar) && statSync(jar).mtimeMs >= Math.max(newestSource(join(springDir, 'pom.xml')), newestSource(join(springDir, 'src')))) return 'fresh';
  const mvn = (offline: boolean) => execFileSync('mvn', ['-B', '-q', ...(offline ? ['-o'] : []), 'package', '-DskipTests'], { cwd: springDir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  log('building bench/peers/spring with Maven');
  try {
    mvn(true);
  } catch {
    log('offline build failed (first build on this machine?): fetching from Maven Central');
    mvn(false);
  }
  return 'built';
}

export interface SpringOptions {
  brokers: string[];
  topic: string;
  group: string;
  url: string;
  secret: string;
  partitions: number;
}

/** Starts the JVM; ready once its listener has partitions of the source topic. */
export function startSpring(options: SpringOptions): ServiceProcess {
  const child = spawn('java', [...SPRING_JVM_FLAGS, '-jar', jar], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
      PEER_BROKERS: options.brokers.join(','),
      PEER_TOPIC: options.topic,
      PEER_GROUP: options.group,
      PEER_URL: options.url,
      PEER_SECRET: options.secret,
      PEER_PARTITIONS: String(options.partitions),
      PEER_CONCURRENCY: String(options.partitions),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track('spring', child, (line) => line.includes('"ready"'));
}
