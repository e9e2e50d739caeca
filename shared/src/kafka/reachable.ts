import { connect } from 'node:net';
import type { Logger } from '../logging.ts';

/** Why one bootstrap server could not be reached, in words. */
export interface ProbeFailure {
  broker: string;
  reason: string;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** Opens (and closes) a TCP connection to host:port; the reason it failed, or undefined. */
function probe(broker: string, timeoutMs: number): Promise<ProbeFailure | undefined> {
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ broker, reason: `no answer within ${timeoutMs / 1_000} s` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ broker, reason: REASONS[error.code ?? ''] ?? error.message });
    });
  });
}

/**
 * Tries every bootstrap server at once (TCP connect, `timeoutMs` each): the failures if none
 * answers, undefined as soon as one does. Lets a command say "cannot reach Kafka" in seconds
 * instead of after KafkaJS's minutes of retries.
 */
export async function unreachableBrokers(brokers: readonly string[], timeoutMs = 5_000): Promise<ProbeFailure[] | undefined> {
  const failures = await Promise.all(brokers.map((broker) => probe(broker, timeoutMs)));
  return failures.every((failure) => failure !== undefined) ? (failures as ProbeFailure[]) : undefined;
}

/** One line: the addresses tried, why each failed, and how to point hookrail elsewhere. */
export function unreachableMessage(failures: readonly ProbeFailure[], how: string): string {
  return `cannot reach Kafka: tried ${failures.map((f) => `${f.broker} (${f.reason})`).join(', ')}. ${how}`;
}

/**
 * For a service's start-up: when no bootstrap server answers, one fatal log line (no stack)
 * and exit 1 within seconds, instead of KafkaJS's minutes of retries ending in a stack trace.
 * The orchestrator restarts the service; it starts once the broker is there.
 */
export async function exitUnlessBrokerReachable(brokers: readonly string[], logger: Logger): Promise<void> {
  const failures = await unreachableBrokers(brokers);
  if (!failures) return;
  logger.fatal({ brokers }, unreachableMessage(failures, 'Check that the broker is up and HOOKRAIL_KAFKA_BROKERS names it.'));
  process.exit(1);
}
