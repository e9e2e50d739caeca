import type { Kafka } from 'kafkajs';
import { MalformedRecord, parseParkedState, type Logger } from '@hookrail/shared';
import { createHolds, createParkedCounts, type Holds, type ParkedCounts } from './parking-rules.ts';

/**
 * A lane's view of its tier's parked-state topic: read from the beginning and tailed, by a
 * consumer of its own (a group per process, nothing committed), into `ParkedCounts` and
 * `Holds` (keys held by `onDeadLetter: park`).
 * `caughtUp()` resolves once everything the topic held when it was called has been read: a
 * member taking over a tier or parking partition waits for it before handling its ordered deliveries.
 */
export interface ParkedStateView {
  readonly counts: ParkedCounts;
  readonly holds: Holds;
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startParkedStateView(options: { kafka: Kafka; topic: string; groupId: string; logger: Logger }): Promise<ParkedStateView> {
  const { kafka, topic, logger } = options;
  const counts = createParkedCounts();
  const holds = createHolds();
  /** Per partition, one past the last offset read (transaction markers included). */
  const position = new Map<number, number>();
  const waiters = new Set<{ ends: Map<number, number>; done: () => void }>();
  const check = () => {
    for (const waiter of waiters) {
      if ([...waiter.ends].every(([partition, end]) => (position.get(partition) ?? 0) >= end)) {
        waiters.delete(waiter);
        waiter.done();
      }
    }
  };

  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  // Batches of only transaction markers never reach eachBatch; the end-of-batch event fires for them too.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    position.set(payload.partition, Math.max(position.get(payload.partition) ?? 0, Number(payload.lastOffset) + 1));
    check();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) {
        const state = parseParkedState(message.key?.toString('utf8'), message.value?.toString('utf8'));
        if (state instanceof MalformedRecord) logger.warn({ topic, offset: message.offset, problem: state.problem }, 'ignoring a record of the parked-state topic that is neither a count nor a hold');
        else if (state.kind === 'held') holds.observe(state.key, state.hold);
        else counts.observe(state.kind, state.key, state.n);
        resolveOffset(message.offset);
      }
    },
  });

  return {
    counts,
    holds,
    async caughtUp() {
      const admin = kafka.admin();
      await admin.connect();
      let ends: Array<{ partition: number; high: string; low: string }>;
      try {
        ends = await admin.fetchTopicOffsets(topic);
      } finally {
        await admin.disconnect();
      }
      const waiting = new Map(ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]));
      await new Promise<void>((done) => {
        waiters.add({ ends: waiting, done });
        check();
      });
    },
    stop: () => consumer.disconnect(),
  };
}
