import type { Logger } from '../../logging.ts';
import {
  errorKind,
  type OffsetsPort,
  type OffsetToCommit,
  type OutgoingRecord,
  type TransactionalProducerPort,
  type TransactionPort,
} from '../port.ts';
import { MIN_GATHER_MS, pauseAfterTransaction } from './commit-pacing.ts';
import type { PartitionTracker } from './partition-tracker.ts';
import { outgoingRecordBytes } from './record-size.ts';
import { readStableOffsets } from './stable-offsets.ts';
import { withTimeout } from './timeout.ts';

/** A topic-partition being consumed in one assignment epoch, with the tracker of its offsets. */
export interface TrackedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly tracker: PartitionTracker;
}

/** Turns an outcome record the broker cannot take into a small record that says so. */
export type Quarantine = (
  record: OutgoingRecord,
  info: { reason: string; bytes: number; consumed: { topic: string; partition: number; offset: number } },
) => OutgoingRecord;

export interface CommitLoop {
  /** The outcome of one consumed record: the records it produces, committed with its offset. */
  complete(partition: TrackedPartition, offset: number, records: OutgoingRecord[]): void;
  /** Lets go of a partition's outcomes (its assignment ended): they are never committed here. */
  forget(tracker: PartitionTracker): void;
  /** Runs transactions until everything completed so far is committed (or it cannot be). */
  flush(): Promise<void>;
  /** Milliseconds since the loop last went round without an error. */
  stalledFor(): number;
  stop(): Promise<void>;
}

/** Consecutive failed transactions (≈ 40 s of backoff) before the process gives up. */
const MAX_CONSECUTIVE_FAILURES = 12;

/** Bytes of records per produce request inside a transaction (broker default limit 1 MiB). */
const MAX_BYTES_PER_REQUEST = 512 * 1024;

/** Bound one transaction so a backlog of outcomes never builds an oversized request. */
const MAX_RECORDS_PER_TRANSACTION = 2_000;

interface Plan {
  records: OutgoingRecord[];
  offsets: OffsetToCommit[];
  involved: PartitionTracker[];
  /** The offsets taken per tracker: what this transaction consumes. */
  taken: Map<PartitionTracker, number[]>;
}

type Step = 'begin' | 'send' | 'sendOffsets' | 'commit';

/** What one transaction of the loop did, for metrics. */
export interface TransactionReport {
  durationMs: number;
  records: number;
  /** failed: aborted, or its outcome unknown (then settled from the committed offsets). */
  outcome: 'committed' | 'failed';
}

/** Thrown inside a transaction when membership came into doubt while it was being built. */
class MembershipInDoubt extends Error {
  constructor() {
    super('group membership in doubt; the transaction is aborted and its outcomes kept');
  }
}

/**
 * Group commit: outcomes gathered for a few milliseconds go out in one Kafka transaction with
 * the offsets they consume (the lowest unfinished per partition, the finished ones above it
 * in the metadata). A crash before the commit redoes those records; after it, never.
 *
 * Fault model (docs/architecture.md, "The core's fault model"):
 * - A failure at begin, send or sendOffsets aborts the transaction and puts its offsets back
 *   to ready: nothing is committed past an outcome that was not produced.
 * - A failure at commit, or an abort that fails, leaves the outcome unknown: the producer is
 *   started afresh (which returns only once the coordinator, after a failover the new one, has
 *   finished or aborted the open transaction), then the group's stable committed offsets say
 *   which it was. Until then nothing else is committed, and the outcome is never guessed: a
 *   settle that cannot finish within `settleWaitMs` is tried again, not decided.
 * - A record the broker rejects (too large, invalid) is isolated: the offsets of the failed
 *   transaction are committed one per transaction, and the one that fails alone has its
 *   records replaced by quarantine records. Records estimated over `maxRecordBytes` are
 *   quarantined before they are ever sent.
 * - Membership in doubt (`canCommit` false) stops new transactions and aborts one under way
 *   before its offsets are sent and before it commits.
 */
export function createCommitLoop(options: {
  producer: TransactionalProducerPort;
  offsets: OffsetsPort;
  groupId: string;
  partitions: () => Iterable<TrackedPartition>;
  /** While false (membership in doubt) nothing is committed. */
  canCommit: () => boolean;
  /** The longest outcomes gather before a transaction (commit-pacing.ts says how long they do). */
  intervalMs: number;
  /** Outcome records larger than this are quarantined instead of sent. */
  maxRecordBytes: number;
  quarantine: Quarantine;
  logger: Logger;
  onCommitted: (count: number) => void;
  /** The consumed offsets of a partition whose outcomes a transaction just committed. */
  onOffsetsCommitted?: (tracker: PartitionTracker, offsets: readonly number[]) => void;
  /** Every transaction the loop ran: how long it took (begin → commit or failure), records, outcome. */
  onTransaction?: (transaction: TransactionReport) => void;
  onFatal: (error: unknown) => void;
  /** Every call to Kafka is bounded by this: a call that hangs counts as failed (default 30 s). */
  stepTimeoutMs?: number;
  /** How long one settle of an unknown outcome waits for stable offsets before it is retried (default 60 s). */
  settleWaitMs?: number;
  /** Waits `ms`; resolves early on `wake()`. Injected by tests. */
  sleep?: (ms: number, wakeUp: (wake: () => void) => void) => Promise<void>;
}): CommitLoop {
  const { producer, groupId, logger } = options;
  const outcomes = new Map<PartitionTracker, Map<number, OutgoingRecord[]>>();
  const coordinates = new Map<PartitionTracker, { topic: string; partition: number }>();
  /** Offsets of a transaction the broker rejected a record of: committed one at a time. */
  const suspects = new Map<PartitionTracker, Set<number>>();
  /** A transaction whose outcome is unknown: settled before anything else is committed. */
  let unsettled: Plan | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  /** True while the loop waits with nothing to commit: the first outcome wakes it. */
  let idle = false;
  let failures = 0;
  /** When the loop last went round without an error (a transaction, or nothing to do). */
  let lastSettled = Date.now();
  const stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  const settleWaitMs = options.settleWaitMs ?? 60_000;
  /** A Kafka call that neither answers nor fails in time is a failure, never a hang. */
  const bounded = <T>(call: Promise<T>, step: string): Promise<T> => withTimeout(call, stepTimeoutMs, step);

  const sleep =
    options.sleep ??
    ((ms: number, wakeUp: (wake: () => void) => void) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakeUp(() => {
          clearTimeout(timer);
          resolve();
        });
      }));
  const pause = (ms: number) => sleep(ms, (w) => (wake = w));

  // One producer holds one transaction at a time: the loop and flush() take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const commitOnce = (): Promise<boolean> => {
    const result = turn.then(transact, transact);
    turn = result.catch(() => undefined);
    return result;
  };

  const quarantined = (tracker: PartitionTracker, offset: number, records: OutgoingRecord[], reason: (bytes: number) => string) => {
    const where = coordinates.get(tracker)!;
    return records.map((record) => {
      const bytes = outgoingRecordBytes(record);
      logger.error({ consumed: { ...where, offset }, topic: record.topic, bytes }, 'outcome record quarantined: %s', reason(bytes));
      return options.quarantine(record, { reason: reason(bytes), bytes, consumed: { ...where, offset } });
    });
  };

  const plan = (): Plan | undefined => {
    const result: Plan = { records: [], offsets: [], involved: [], taken: new Map() };
    // After a rejected record, the suspects go one per transaction until the culprit is found.
    const isolating = suspects.size > 0;
    for (const { topic, partition, tracker } of options.partitions()) {
      if (result.records.length >= MAX_RECORDS_PER_TRANSACTION) break;
      let only: ReadonlySet<number> | undefined;
      if (isolating) {
        const set = suspects.get(tracker);
        if (!set || result.involved.length > 0) continue;
        only = new Set([Math.min(...set)]);
      }
      const taken = tracker.takeReady(only);
      const byOffset = outcomes.get(tracker);
      for (const offset of taken) result.records.push(...(byOffset?.get(offset) ?? []));
      const position = tracker.commitPosition();
      if (taken.length === 0 && position === undefined) continue;
      result.involved.push(tracker);
      result.taken.set(tracker, taken);
      if (position) result.offsets.push({ topic, partition, offset: position.offset, metadata: position.metadata });
    }
    // Suspects of partitions no longer held are dropped with their partition.
    if (isolating && result.involved.length === 0) suspects.clear();
    return result.involved.length > 0 ? result : undefined;
  };

  const settleCommitted = (done: Plan) => {
    let committed = 0;
    for (const tracker of done.involved) {
      tracker.committed();
      const byOffset = outcomes.get(tracker);
      for (const offset of done.taken.get(tracker) ?? []) {
        suspects.get(tracker)?.delete(offset);
        if (suspects.get(tracker)?.size === 0) suspects.delete(tracker);
        // Outcomes are kept until their offset's transaction commits, then let go.
        if (byOffset?.delete(offset)) committed++;
      }
      if (byOffset?.size === 0) outcomes.delete(tracker);
      const taken = done.taken.get(tracker);
      if (taken?.length) options.onOffsetsCommitted?.(tracker, taken);
    }
    options.onCommitted(committed);
  };

  const settleAborted = (failed: Plan) => {
    for (const tracker of failed.involved) tracker.aborted();
  };

  /**
   * Makes the outcome of `pending` definite, then reads it. The reset's InitProducerId returns
   * only once the coordinator (after a failover, the new one) has completed or aborted the
   * transaction the old producer left open; the stable read then waits while its offset commit
   * is still pending at the group coordinator. So the offsets read include the transaction if
   * it committed: "did not land" is never decided on a stale read. Throws (and is retried by
   * the loop, nothing committed meanwhile) if either step cannot finish in time.
   */
  const settleUnknown = async (pending: Plan): Promise<void> => {
    const started = Date.now();
    await bounded(producer.reset(), 'reset');
    const probe = pending.offsets[0];
    let landed = false;
    let unstableReads = 0;
    if (probe) {
      const read = await readStableOffsets({
        offsets: options.offsets,
        groupId,
        topic: probe.topic,
        partitions: [probe.partition],
        callTimeoutMs: stepTimeoutMs,
        waitMs: settleWaitMs,
        keepWaiting: async () => !stopped,
      });
      if (!read) throw new Error('stopped before the outcome of a transaction was settled');
      const entry = read.offsets.find((c) => c.partition === probe.partition);
      landed = entry !== undefined && entry.offset === probe.offset && (entry.metadata ?? '') === probe.metadata;
      unstableReads = read.unstableReads;
    }
    logger.warn({ landed, partitions: pending.involved.length, waitedMs: Date.now() - started, unstableReads }, 'settled a transaction whose commit outcome was unknown');
    if (landed) settleCommitted(pending);
    else settleAborted(pending);
    unsettled = undefined;
  };

  const isolate = (failed: Plan) => {
    if (failed.records.length === 0) return;
    const single = failed.involved.length === 1 && (failed.taken.get(failed.involved[0]!)?.length ?? 0) === 1;
    if (single) {
      // The culprit: its records are replaced by quarantine records, then committed as usual.
      const tracker = failed.involved[0]!;
      const offset = failed.taken.get(tracker)![0]!;
      const byOffset = outcomes.get(tracker);
      const records = byOffset?.get(offset) ?? [];
      byOffset?.set(offset, quarantined(tracker, offset, records, (bytes) => `the broker refused a record of ${bytes} bytes for this consumed record`));
      return;
    }
    for (const [tracker, offsets] of failed.taken) {
      if (offsets.length === 0) continue;
      const set = suspects.get(tracker) ?? new Set<number>();
      for (const offset of offsets) set.add(offset);
      suspects.set(tracker, set);
    }
  };

  /** One transaction with whatever is ready; false when there was nothing to do. */
  const transact = async (): Promise<boolean> => {
    if (!options.canCommit()) return false;
    if (unsettled) await settleUnknown(unsettled);
    const current = plan();
    if (!current) return false;

    let step: Step = 'begin';
    let transaction: TransactionPort | undefined;
    const started = performance.now();
    const report = (outcome: TransactionReport['outcome']) =>
      options.onTransaction?.({ durationMs: performance.now() - started, records: current.records.length, outcome });
    try {
      transaction = await bounded(producer.begin(), 'begin');
      step = 'send';
      // Several requests when large: one subscription's records share a partition, and one
      // request over the broker's message.max.bytes would fail every time it is retried.
      for (const chunk of chunksBySize(current.records, MAX_BYTES_PER_REQUEST)) await bounded(transaction.send(chunk), 'send');
      if (!options.canCommit()) throw new MembershipInDoubt();
      step = 'sendOffsets';
      if (current.offsets.length > 0) await bounded(transaction.sendOffsets(groupId, current.offsets), 'sendOffsets');
      if (!options.canCommit()) throw new MembershipInDoubt();
      step = 'commit';
      await bounded(transaction.commit(), 'commit');
    } catch (error) {
      report('failed');
      await settleFailure(step, transaction, current, error);
      throw error;
    }
    report('committed');
    settleCommitted(current);
    return true;
  };

  const settleFailure = async (step: Step, transaction: TransactionPort | undefined, failed: Plan, error: unknown) => {
    if (errorKind(error) === 'record-rejected') isolate(failed);
    if (step === 'begin' || !transaction) {
      // Nothing was sent. A producer that cannot begin is in a state it will not leave by
      // itself (KafkaJS: "Cannot call beginTransaction in state ABORTING"): start it afresh.
      settleAborted(failed);
      await bounded(producer.reset(), 'reset').catch((resetError: unknown) => logger.warn({ err: resetError }, 'producer reset failed; will try again'));
      return;
    }
    if (step !== 'commit') {
      try {
        await bounded(transaction.abort(), 'abort');
        settleAborted(failed);
        return;
      } catch (abortError) {
        logger.warn({ err: abortError }, 'abort failed; the transaction outcome is unknown');
      }
    }
    // A commit that failed may still have landed. Settle it before anything else commits.
    unsettled = failed;
    await settleUnknown(failed).catch((settleError: unknown) => {
      logger.warn({ err: settleError }, 'could not settle the transaction yet; will retry');
    });
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const started = Date.now();
        const didWork = await commitOnce();
        failures = 0;
        lastSettled = Date.now();
        if (didWork) {
          await pause(pauseAfterTransaction(Date.now() - started, options.intervalMs));
        } else {
          idle = true;
          await pause(options.intervalMs);
          // Woken by an outcome (or the interval): let the outcomes completing with it join.
          if (idle) idle = false;
          else if (!stopped) await pause(MIN_GATHER_MS);
        }
      } catch (error) {
        if (errorKind(error) === 'fenced') {
          options.onFatal(error);
          return;
        }
        if (error instanceof MembershipInDoubt) {
          logger.info('transaction aborted before its offsets: membership came into doubt');
          await pause(options.intervalMs);
          continue;
        }
        failures++;
        if (failures > MAX_CONSECUTIVE_FAILURES) {
          // The producer may be wedged (KafkaJS does not always recover a transactional
          // producer after a broker restart). Exit and let the supervisor start afresh: the
          // uncommitted work is redone, nothing is lost.
          options.onFatal(new Error(`${failures} transactions in a row failed; last: ${(error as Error).message}`));
          return;
        }
        const backoff = errorKind(error) === 'record-rejected' ? 0 : Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
        logger.warn({ err: error, backoffMs: backoff }, 'transaction failed; retrying its outcomes');
        await pause(backoff);
      }
    }
  })();

  return {
    complete(partition, offset, records) {
      const { tracker } = partition;
      if (!tracker.isOpen(offset)) return; // its assignment ended, or it is done already
      coordinates.set(tracker, { topic: partition.topic, partition: partition.partition });
      let byOffset = outcomes.get(tracker);
      if (!byOffset) outcomes.set(tracker, (byOffset = new Map()));
      const fits = records.every((record) => outgoingRecordBytes(record) <= options.maxRecordBytes);
      byOffset.set(
        offset,
        fits
          ? records
          : records.map((record) =>
              outgoingRecordBytes(record) <= options.maxRecordBytes
                ? record
                : quarantined(tracker, offset, [record], (bytes) => `a record of ${bytes} bytes exceeds the ${options.maxRecordBytes}-byte limit`)[0]!,
            ),
      );
      tracker.ready(offset);
      if (idle) {
        idle = false;
        wake?.();
      }
    },
    stalledFor: () => Date.now() - lastSettled,
    forget(tracker) {
      outcomes.delete(tracker);
      suspects.delete(tracker);
      coordinates.delete(tracker);
    },
    async flush() {
      for (let round = 0; round < 20; round++) {
        try {
          if (!(await commitOnce())) return;
        } catch (error) {
          if (errorKind(error) === 'fenced') return;
          logger.warn({ err: error }, 'final transaction failed');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** Consecutive slices of `records` whose sizes add up to at most `maxBytes` (one record at least). */
export function chunksBySize(records: readonly OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = outgoingRecordBytes(record);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
