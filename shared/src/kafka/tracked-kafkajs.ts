import type { Kafka } from 'kafkajs';
import type { FetchBounds } from './fetch-bounds.ts';
import { kafkaJsConsumer, kafkaJsOffsets, kafkaJsTransactionalProducer } from './kafkajs-port.ts';
import { startTrackedConsumer, type TrackedConsumer, type TrackedConsumerOptions } from './parallel/tracked-consumer.ts';

/** The core on KafkaJS: a tracked consumer wired to the KafkaJS adapters of the port. */
export async function startKafkaJsTrackedConsumer(
  kafka: Kafka,
  options: Omit<TrackedConsumerOptions, 'consumer' | 'producer' | 'offsets'> & { transactionalId: string; maxWaitTimeInMs?: number; fetch?: FetchBounds },
): Promise<TrackedConsumer> {
  const admin = kafka.admin();
  await admin.connect();
  const producer = await kafkaJsTransactionalProducer(kafka, options.transactionalId);
  const consumer = kafkaJsConsumer(kafka, options.groupId, { ...(options.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitTimeInMs }), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const tracked = await startTrackedConsumer({ ...options, consumer, producer, offsets: kafkaJsOffsets(admin) });
  return {
    get buffered() {
      return tracked.buffered;
    },
    reading: (topic, partition) => tracked.reading(topic, partition),
    async stop(drain) {
      try {
        await tracked.stop(drain);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
