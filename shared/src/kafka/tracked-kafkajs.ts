import type { Kafka } from 'kafkajs';
import { kafkaJsConsumer, kafkaJsOffsets, kafkaJsTransactionalProducer } from './kafkajs-port.ts';
import { startTrackedConsumer, type TrackedConsumer, type TrackedConsumerOptions } from './parallel/tracked-consumer.ts';

/** The core on KafkaJS: a tracked consumer wired to the KafkaJS adapters of the port. */
export async function startKafkaJsTrackedConsumer(
  kafka: Kafka,
  options: Omit<TrackedConsumerOptions, 'consumer' | 'producer' | 'offsets'> & { transactionalId: string; maxWaitTimeInMs?: number },
): Promise<TrackedConsumer> {
  const admin = kafka.admin();
  await admin.connect();
  const producer = await kafkaJsTransactionalProducer(kafka, options.transactionalId);
  const consumer = kafkaJsConsumer(kafka, options.groupId, options.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitTimeInMs });
  const tracked = await startTrackedConsumer({ ...options, consumer, producer, offsets: kafkaJsOffsets(admin) });
  return {
    get buffered() {
      return tracked.buffered;
    },
    async stop(drain) {
      try {
        await tracked.stop(drain);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
