// The Kafka-only ceilings: consume → produce with no HTTP, with KafkaJS (what hookrail uses)
// and @platformatic/kafka (measured beside it, not used by hookrail).
import { randomBytes } from 'node:crypto';
import { Consumer, FetchIsolationLevels, MessagesStreamModes, Producer as PlatformaticProducer, type Message as PlatformaticMessage, type MessageToProduce } from '@platformatic/kafka';
import type { Kafka, Message } from 'kafkajs';
import { brokers } from './kafka.ts';
import { sleep } from './stats.ts';

export interface RawResult {
  records: number;
  seconds: number;
  rate: number;
  completed: boolean;
}

/**
 * KafkaJS: a consumer group reads `count` records from `input`; each batch is produced to
 * `output` (one record per record, headers kept), either plain (acks=-1) or, like hookrail,
 * in a transaction with the batch's offsets (read_committed). Timed from the first batch.
 */
export async function kafkajsConsumeProduce(kafka: Kafka, input: string, output: string, count: number, options: { transactional: boolean; timeoutMs: number }): Promise<RawResult> {
  const tag = randomBytes(3).toString('hex');
  const groupId = `${input}-kafkajs-${options.transactional ? 'txn' : 'plain'}-${tag}`;
  const producer = options.transactional
    ? kafka.producer({ transactionalId: `${groupId}-tx`, idempotent: true, maxInFlightRequests: 1 })
    : kafka.producer({ idempotent: false });
  await producer.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1_000, readUncommitted: !options.transactional });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let done = 0;
  let started = 0;
  let finished = 0;
  await consumer.run({
    autoCommit: !options.transactional,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, heartbeat }) => {
      if (batch.messages.length === 0) return;
      if (started === 0) started = performance.now();
      const messages: Message[] = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
      if (options.transactional) {
        const transaction = await producer.transaction();
        try {
          for (let i = 0; i < messages.length; i += 500) await transaction.send({ topic: output, messages: messages.slice(i, i + 500) });
          await transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
      } else {
        // At most 500 per request: a fetched batch can hold more than message.max.bytes.
        for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: output, acks: -1, messages: messages.slice(i, i + 500) });
      }
      done += messages.length;
      if (done >= count && finished === 0) finished = performance.now();
      await heartbeat();
    },
  });
  const deadline = Date.now() + options.timeoutMs;
  while (finished === 0 && Date.now() < deadline) await sleep(20);
  const end = finished || performance.now();
  await consumer.disconnect();
  await producer.disconnect();
  const seconds = (end - started) / 1_000;
  return { records: done, seconds, rate: done / seconds, completed: finished > 0 };
}

/** The same workload with @platformatic/kafka's stream consumer and producer. */
export async function platformaticConsumeProduce(input: string, output: string, count: number, options: { transactional: boolean; timeoutMs: number }): Promise<RawResult> {
  const tag = randomBytes(3).toString('hex');
  const groupId = `${input}-platformatic-${options.transactional ? 'txn' : 'plain'}-${tag}`;
  const bootstrapBrokers = brokers();
  const producer = new PlatformaticProducer({
    clientId: `${groupId}-producer`,
    bootstrapBrokers,
    ...(options.transactional ? { transactionalId: `${groupId}-tx`, idempotent: true } : {}),
    acks: -1,
    // CONCURRENT_TRANSACTIONS (the previous commit's markers still being written) is retried:
    // a short delay, as the Java client's 20 ms backoff, rather than the default.
    retries: 20,
    retryDelay: 20,
  });
  const consumer = new Consumer({
    clientId: `${groupId}-consumer`,
    bootstrapBrokers,
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: 50,
    isolationLevel: options.transactional ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
  });
  const stream = await consumer.consume({ topics: [input], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 50 });
  let done = 0;
  let started = 0;
  let finished = 0;
  let failure: unknown;
  let buffer: PlatformaticMessage[] = [];
  let sending = false;
  const toProduce = (m: PlatformaticMessage): MessageToProduce => ({ topic: output, key: m.key, value: m.value, headers: m.headers });
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      while (buffer.length > 0) {
        // At most 1,000 per produce request: the broker's message.max.bytes is 1 MiB.
        const messages = buffer.splice(0, 1_000);
        if (options.transactional) {
          const transaction = await producer.beginTransaction();
          try {
            await transaction.addConsumer(consumer);
            await transaction.send({ messages: messages.map(toProduce) });
            // One offset per partition: the last message of each.
            const last = new Map<string, PlatformaticMessage>();
            for (const m of messages) last.set(`${m.topic}:${m.partition}`, m);
            for (const m of last.values()) await transaction.addOffset(m);
            await transaction.commit();
          } catch (error) {
            await transaction.abort().catch(() => undefined);
            throw error;
          }
        } else {
          await producer.send({ messages: messages.map(toProduce) });
        }
        done += messages.length;
        if (done >= count && finished === 0) finished = performance.now();
        if (stream.isPaused()) stream.resume();
      }
    } catch (error) {
      failure = error;
    } finally {
      sending = false;
    }
  };
  stream.on('data', (message: PlatformaticMessage) => {
    if (started === 0) started = performance.now();
    buffer.push(message);
    if (buffer.length >= 5_000) stream.pause();
    void flush();
  });
  stream.on('error', (error) => (failure = error));
  const deadline = Date.now() + options.timeoutMs;
  while (finished === 0 && failure === undefined && Date.now() < deadline) await sleep(20);
  const end = finished || performance.now();
  await stream.close().catch(() => undefined);
  await consumer.close(true).catch(() => undefined);
  await producer.close().catch(() => undefined);
  if (failure !== undefined && finished === 0) throw failure instanceof Error ? failure : new Error(String(failure));
  const seconds = (end - started) / 1_000;
  return { records: done, seconds, rate: done / seconds, completed: finished > 0 };
}
