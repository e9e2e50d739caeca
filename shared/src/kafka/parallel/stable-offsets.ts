import { errorKind, type CommittedOffset, type OffsetsPort } from '../port.ts';
import { withTimeout } from './timeout.ts';

/** Committed offsets known to include every transaction that committed offsets for them. */
export interface StableOffsets {
  offsets: CommittedOffset[];
  /** How long the read waited for a pending transaction (or a moving coordinator). */
  waitedMs: number;
  /** Answers 'unstable' before this one: a transactional offset commit was pending. */
  unstableReads: number;
}

/** The first wait between reads; it doubles up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

/**
 * Reads the group's committed offsets of `topic`'s `partitions` once they are stable. The port answers
 * 'unstable' while a transaction that commits offsets of these partitions is pending: one
 * whose coordinator has not written its markers yet, which after a coordinator failover takes
 * as long as the failover, and for a transaction its producer abandoned, up to the
 * transaction timeout. Any failure is asked again (a group coordinator that moved answers
 * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS for a while), until `waitMs` has passed: then
 * the last error is thrown. Each read is bounded by `callTimeoutMs`. Resolves undefined as soon
 * as `keepWaiting` (called between reads: a heartbeat, say) says to stop.
 */
export async function readStableOffsets(options: {
  offsets: OffsetsPort;
  groupId: string;
  topic: string;
  /** Only these partitions (a transaction pending on another does not hold this read). */
  partitions: number[];
  callTimeoutMs: number;
  waitMs: number;
  keepWaiting?: () => Promise<boolean>;
  now?: () => number;
}): Promise<StableOffsets | undefined> {
  const now = options.now ?? Date.now;
  const started = now();
  let unstableReads = 0;
  for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)) {
    try {
      const offsets = await withTimeout(options.offsets.committed(options.groupId, options.topic, options.partitions), options.callTimeoutMs, 'reading committed offsets');
      return { offsets, waitedMs: now() - started, unstableReads };
    } catch (error) {
      if (errorKind(error) === 'unstable') unstableReads++;
      if (now() - started + backoff > options.waitMs) {
        throw new Error(`the committed offsets of ${options.topic} for ${options.groupId} were not stable within ${options.waitMs} ms (${unstableReads} unstable answers); last: ${(error as Error).message}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, backoff));
    if (options.keepWaiting && !(await options.keepWaiting())) return undefined;
  }
}
