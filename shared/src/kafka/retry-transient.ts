/**
 * Bounded retries of a start-up step that meets a transient broker state: a partition whose
 * leader is not elected yet right after topic creation ("This server is not the leader for
 * that topic-partition"), a coordinator that is loading or moving, a broker that dropped the
 * connection. Anything else fails at once; after the last attempt the error says what could
 * not be done and why.
 */

/** Protocol errors that clear up on their own in seconds. */
const TRANSIENT_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'REBALANCE_IN_PROGRESS',
]);
const TRANSIENT_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSConnectionClosedError']);

/** True when the error, or an error it wraps, is a transient broker state. */
export function isTransientKafkaError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { type?: unknown; name?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof e.type === 'string' && TRANSIENT_TYPES.has(e.type)) return true;
    if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
    if (e.retriable === true) return true;
    current = e.cause ?? e.originalError;
  }
  return false;
}

export interface RetryTransientOptions {
  /** Attempts in all, the first included (default 8). */
  attempts?: number;
  /** Wait before the second attempt; doubles each time up to maxDelayMs (defaults 200, 5 000). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `step`, again after a growing wait while it fails transiently; `what` names it in the final error. */
export async function retryTransient<T>(what: string, step: () => Promise<T>, options: RetryTransientOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delayMs = options.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientKafkaError(error)) throw error;
      if (attempt >= attempts) {
        throw new Error(`${what} failed ${attempts} times on a transient broker error, giving up: ${(error as Error).message}`, { cause: error });
      }
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
