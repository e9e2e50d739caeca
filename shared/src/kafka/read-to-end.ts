import type { EachBatchPayload, Kafka } from 'kafkajs';

/**
 * Reads a topic from a consumer group's position (or the beginning) up to the end offsets
 * as they were when it started, then stops: for commands that inspect or replay a backlog.
 */
export async function readToEnd(options: {
  kafka: Kafka;
  topic: string;
  groupId: string;
  onBatch: (payload: EachBatchPayload) => Promise<void>;
  /** Stop early (e.g. --limit reached). */
  done?: () => boolean;
}): Promise<void> {
  const { kafka, topic, groupId } = options;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  const start = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  const remaining = new Map(
    ends
      .filter((end) => Number(end.high) > Math.max(Number(end.low), start.get(end.partition) ?? -1))
      .map((end) => [end.partition, Number(end.high)]),
  );
  if (remaining.size === 0) return;

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = remaining.get(payload.partition);
    if (end !== undefined && Number(payload.lastOffset) >= end - 1) remaining.delete(payload.partition);
    if (remaining.size === 0 || options.done?.()) finish();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    // Resolved after each batch, so the next fetch moves on: unresolved, KafkaJS would fetch
    // the same records again and again when the topic holds more than one fetch's worth.
    eachBatchAutoResolve: true,
    eachBatch: async (payload) => {
      if (options.done?.()) return finish();
      await options.onBatch(payload);
    },
  });
  await finished;
  await consumer.disconnect();
}
