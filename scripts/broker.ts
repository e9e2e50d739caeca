// The single Kafka broker of scripts/kafka.sh, from TypeScript: the runner, the demo, the bench
// and the tests start it and learn its address here (kafka.sh stays the one way to run it).
// A broker is named by its home (KAFKA_HOME_DIR, default <repo>/.kafka) and, for a broker of a
// test's own, its ports; `kafka.sh address` answers from the ports the home was started with.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const script = join(dirname(fileURLToPath(import.meta.url)), 'kafka.sh');

export interface BrokerPlace {
  /** KAFKA_HOME_DIR: data, logs, pid and ports file (default: the project's <repo>/.kafka). */
  home?: string;
  /** PLAINTEXT port (the controller listens on the next one). Default: the home's last, else 9092. */
  port?: number;
  /** Seconds `start` waits for the broker to serve (KAFKA_START_TIMEOUT unless set; kafka.sh's default 90). */
  startTimeoutS?: number;
}

function env(place: BrokerPlace): NodeJS.ProcessEnv {
  const timeout = place.startTimeoutS ? { KAFKA_START_TIMEOUT: String(place.startTimeoutS), ...pick('KAFKA_START_TIMEOUT') } : {};
  if (!place.home) return { ...process.env, ...timeout, ...(place.port ? ports(place.port) : {}) };
  // A broker of its own home: the ports are its own too, not the caller's KAFKA_PORT.
  const { KAFKA_PORT: _port, KAFKA_CONTROLLER_PORT: _controller, ...inherited } = process.env;
  return { ...inherited, ...timeout, KAFKA_HOME_DIR: place.home, ...(place.port ? ports(place.port) : {}) };
}

const pick = (name: string) => (process.env[name] ? { [name]: process.env[name] } : {});

const ports = (port: number) => ({ KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) });

function kafkaSh(command: string, place: BrokerPlace, quiet: boolean): string {
  // kafka.sh's progress goes to stderr: shown to a person (the runner, the demo), kept from a test's output.
  return execFileSync('bash', [script, command], { env: env(place), encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'] });
}

/** Starts the broker unless it runs (idempotent), waits until it serves requests, returns its address. */
export function startBroker(place: BrokerPlace = {}, options: { quiet?: boolean } = {}): string {
  kafkaSh('start', place, options.quiet ?? true);
  return brokerAddress(place);
}

/** The bootstrap address (`127.0.0.1:<port>`) of the broker of this home. */
export function brokerAddress(place: BrokerPlace = {}): string {
  return kafkaSh('address', place, true).trim();
}

/** SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT; nothing to do if it does not run. */
export function stopBroker(place: BrokerPlace = {}, options: { quiet?: boolean } = {}): void {
  kafkaSh('stop', place, options.quiet ?? true);
}

/** Stop, then start, without blocking the caller's event loop. */
export async function restartBroker(place: BrokerPlace = {}): Promise<void> {
  for (const command of ['stop', 'start']) await run('bash', [script, command], { env: env(place) });
}

export function brokerRunning(place: BrokerPlace = {}): boolean {
  return spawnSync('bash', [script, 'status'], { env: env(place), stdio: 'ignore' }).status === 0;
}

/** $KAFKA_BROKERS when set, else the project's broker, started if needed. */
export function brokersFromEnv(): string[] {
  process.env.KAFKA_BROKERS ||= startBroker();
  return process.env.KAFKA_BROKERS.split(',');
}
