import type { FetchBounds } from './fetch-bounds.ts';
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import type { OutgoingRecord } from './port.ts';

/**
 * A connected transactional producer. One per consumer that commits through it: a transaction
 * holds one batch's records and the offsets they consume. The id must be stable per instance
 * so a restarted instance fences its crashed predecessor and aborts its open transaction.
 */
export async function connectTransactionalProducer(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    // An abandoned transaction blocks read_committed readers of its partitions until it
    // times out; keep that short.
    transactionTimeout: 30_000,
    // Right after a commit the coordinator answers the next transaction's first request with
    // CONCURRENT_TRANSACTIONS until its markers are written (a few ms). The client-wide first
    // retry (200 ms) made every transaction wait that long; the Java producer backs off 20 ms.
    retry: { initialRetryTime: 20, maxRetryTime: 5_000, retries: 15 },
  });
  try {
    await producer.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw error;
  }
  return producer;
}

/**
 * A group consumer for hookrail's own pipelines: only committed records (read_committed),
 * short session so a crashed instance's partitions move on in seconds, short fetch waits so
 * a resumed partition is fetched promptly.
 */
export function pipelineConsumer(kafka: Kafka, groupId: string, maxWaitTimeInMs = 100, fetch?: FetchBounds): Consumer {
  return kafka.consumer({
    groupId,
    ...fetch,
    sessionTimeout: 10_000,
    rebalanceTimeout: 20_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs,
    readUncommitted: false,
    // KafkaJS restarts a crashed consumer on a timer; two crashes in a row started two runners
    // on one consumer (two members, each fetching). The port's adapter restarts instead.
    retry: { restartOnFailure: async () => false },
  });
}

export type { OutgoingRecord };

/** Records grouped for `sendBatch`, one entry per topic, order kept within each topic. */
export function byTopic(records: Iterable<OutgoingRecord>): Array<{ topic: string; messages: Message[] }> {
  const grouped = new Map<string, Message[]>();
  for (const { topic, message } of records) {
    const list = grouped.get(topic);
    if (list) list.push(message);
    else grouped.set(topic, [message]);
  }
  return [...grouped].map(([topic, messages]) => ({ topic, messages }));
}
