import { connect } from 'node:net';

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
