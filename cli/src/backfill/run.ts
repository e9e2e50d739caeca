import { byTopic, createMatchIndex, deliveryMarkHeaders, progressMessage, type BackfillProgress, type OutgoingRecord, type Subscription } from '@hookrail/shared';
import { decoderFor } from '@hookrail/router/decode/from-settings';
import { fanOut } from '@hookrail/router/fanout';
import type { SourceRecord } from '@hookrail/router/decode';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Producer } from 'kafkajs';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { waitBeforeNext } from '../dlq/pace.ts';
import { deleteGroup } from '../dlq/read-topic.ts';
import { advance, isDone } from './window.ts';


export interface RunOptions {
  context: CliContext;
  subscription: Subscription;
  /** Where to start: new (next = start) or resumed (next = where the last run stopped). */
  progress: BackfillProgress;
  /** Connected, transactional: its id is the backfill's, so a new run fences a killed one. */
  producer: Producer;
  /** Deliveries written per second, at most. */
  perSecond: number;
  /** After each committed step. */
  onProgress: (progress: BackfillProgress) => void;
  /** Aborted (Ctrl-C): stop after the step under way, its progress committed. */
  signal?: AbortSignal;
}

/**
 * Reads the window's source records from `next` to `end`, decodes and matches each one with
 * the router's own code for this one subscription (same event id, so the same delivery id),
 * and writes the deliveries to the tier's backfill topic. Each step's deliveries and the
 * progress that accounts for them are one transaction: a killed run is resumed exactly where
 * its last step committed, with no delivery written twice.
 */
export async function runBackfill(options: RunOptions): Promise<BackfillProgress> {
  const { context, subscription, producer, progress } = options;
  const { kafka, topics, config } = context;
  const decoder = decoderFor(config.router);
  const target = topics.backfill(subscription.tier);
  // Routed for this one subscription only: an index that holds just it.
  const only = createMatchIndex([subscription]);
  const rangeOf = new Map(progress.ranges.map((r) => [`${r.topic}/${r.partition}`, r]));
  const chunk = Math.max(1, Math.min(500, Math.floor(options.perSecond / 5)));
  const startedAt = Date.now();
  let sentThisRun = 0;
  let pending: OutgoingRecord[] = [];

  /** One transaction: the pending deliveries and the progress they bring (paced to perSecond). */
  let flushing = Promise.resolve();
  const flush = (): Promise<void> =>
    (flushing = flushing.then(async () => {
      const out = pending;
      pending = [];
      if (out.length > 0) await sleep(waitBeforeNext(sentThisRun, options.perSecond, startedAt, Date.now()));
      progress.routed += out.length;
      progress.updatedAt = Date.now();
      progress.done = isDone(progress.ranges);
      const transaction = await producer.transaction();
      try {
        await transaction.sendBatch({ topicMessages: byTopic([...out, { topic: topics.backfills, message: progressMessage(progress) }]) });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      sentThisRun += out.length;
      options.onProgress(progress);
    }));

  if (isDone(progress.ranges)) {
    await flush();
    return progress;
  }

  const route = async (record: SourceRecord): Promise<void> => {
    const decoded = await decoder.decode(record);
    progress.read += 1;
    if ('invalid' in decoded) {
      // The router put it in the invalid topic; the backfill skips it, except while the schema
      // registry is down: then stop, with progress kept, to be resumed.
      if (decoded.reason === 'schema-registry-unavailable') throw new CliError(`the schema registry is unavailable (${decoded.detail}); progress is kept: resume with --resume`);
      progress.undecodable += 1;
      return;
    }
    for (const delivery of fanOut(decoded, record, only, topics)) {
      const headers = { ...delivery.message.headers, ...deliveryMarkHeaders({ backfill: progress.id }) };
      pending.push({ topic: target, message: { ...delivery.message, headers } });
    }
  };

  // A throwaway group (KafkaJS reads through one): it never commits, progress is in Kafka.
  const groupId = `cli-backfill-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 30_000 });
  let finish!: () => void;
  let reject!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, rejectWith) => ((finish = resolve), (reject = rejectWith)));
  // Once failed or interrupted, nothing more is read, advanced or committed.
  let stopping = false;
  const fail = (error: unknown) => ((stopping = true), reject(error));
  options.signal?.addEventListener('abort', () => ((stopping = true), finish()), { once: true });
  const pauseIfDone = (topic: string, partition: number) => {
    const range = rangeOf.get(`${topic}/${partition}`);
    if (range && range.next >= range.end) consumer.pause([{ topic, partitions: [partition] }]);
    if (isDone(progress.ranges)) finish();
  };
  // Batches of transaction markers (or aborted records) only never reach eachBatch: their end
  // still moves `next`. A batch with records moved it in eachBatch, as far as it routed.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (stopping) return;
    const range = rangeOf.get(`${payload.topic}/${payload.partition}`);
    if (range && payload.batchSize === 0) advance(range, Number(payload.lastOffset) + 1);
    pauseIfDone(payload.topic, payload.partition);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));

  try {
    await consumer.connect();
    const sourceTopics = [...new Set(progress.ranges.map((r) => r.topic))];
    await consumer.subscribe({ topics: sourceTopics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = rangeOf.get(`${batch.topic}/${batch.partition}`);
        if (!range || range.next >= range.end || stopping) return;
        try {
          for (const message of batch.messages) {
            if (stopping) break;
            const offset = Number(message.offset);
            if (offset < range.next) continue;
            if (offset >= range.end) break;
            await route({ topic: batch.topic, partition: batch.partition, ...message, headers: message.headers ?? {} });
            advance(range, offset + 1);
            if (pending.length >= chunk) {
              await flush();
              await heartbeat();
            }
          }
          if (stopping) return void (await flush()); // what it routed so far, committed
          advance(range, Number(batch.lastOffset()) + 1);
          await flush();
        } catch (error) {
          fail(error);
        }
      },
    });
    for (const range of progress.ranges) {
      if (range.next < range.end) consumer.seek({ topic: range.topic, partition: range.partition, offset: String(range.next) });
      else consumer.pause([{ topic: range.topic, partitions: [range.partition] }]);
    }
    await finished;
    await consumer.stop();
    await flush(); // the last markers' progress, and done
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await deleteGroup(kafka, groupId).catch(() => undefined);
  }
  return progress;
}
