import type { Kafka } from 'kafkajs';
import { MalformedRecord, parseAttempt, type AttemptEntry, type FetchBounds, type Logger } from '@hookrail/shared';

export interface AttemptsConsumer {
  stop(): Promise<void>;
}

/**
 * Consumes `<prefix>.attempts` (read_committed: only attempts whose transaction committed)
 * in the group `<prefix>-monitor`. At start it rewinds each partition to the first record of
 * the last `replayMs`, so the sliding windows are whole again after a restart; records before
 * the group's committed offset are marked `replay` (windows only, counters already had them).
 * One monitor instance is assumed (docs/deployment.md): a second would split the stream.
 */
export async function startAttemptsConsumer(options: {
  kafka: Kafka;
  topic: string;
  groupId: string;
  replayMs: number;
  logger: Logger;
  fetch?: FetchBounds;
  onEntry(entry: AttemptEntry, replay: boolean): void;
  onInvalid(): void;
  onCrash(error: unknown): void;
}): Promise<AttemptsConsumer> {
  const { kafka, topic, groupId, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  let committed = new Map<number, number>();
  let rewind = new Map<number, number>();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
        committed = new Map((fetched?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
        const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - options.replayMs);
        rewind = new Map(byTime.map((p) => [p.partition, Number(p.offset)]));
        break;
      } catch (error) {
        // Leaders of just-created topics may still move (NOT_LEADER): retriable, briefly.
        if (attempt >= 5 || !(error as { retriable?: boolean }).retriable) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
    ...options.fetch,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) options.onCrash(payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 2_000,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const before = committed.get(batch.partition) ?? -1;
      for (const message of batch.messages) {
        const entry = parseAttempt(message.value);
        if (entry instanceof MalformedRecord) options.onInvalid();
        else options.onEntry(entry, Number(message.offset) < before);
        resolveOffset(message.offset);
      }
      await heartbeat();
    },
  });
  for (const [partition, offset] of rewind) {
    const position = committed.get(partition);
    const start = position === undefined ? offset : Math.min(position, offset);
    if (position === start) continue;
    consumer.seek({ topic, partition, offset: String(start) });
  }
  logger.info({ topic, groupId, rewind: Object.fromEntries(rewind), committed: Object.fromEntries(committed) }, 'consuming attempts');
  return { stop: () => consumer.disconnect() };
}
