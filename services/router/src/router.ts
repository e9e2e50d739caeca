import {
  byTopic,
  connectTransactionalProducer,
  createSubscriptionRegistry,
  pipelineConsumer,
  type OutgoingRecord,
  type RunningService,
  type ServiceContext,
} from '@hookrail/shared';
import type { RouterConfig } from './config.ts';
import { createDecoder } from './decode/decoder.ts';
import type { SourceRecord } from './decode/types.ts';
import { fanOut, invalidRecord } from './fanout.ts';

/** Thrown when a record cannot be routed *yet* (the schema registry is down): the batch is retried. */
class TransientRoutingError extends Error {}

/**
 * Consumes the source topics and, per batch, fans each event out and commits the consumed
 * offsets in one Kafka transaction: a crash between the two can neither lose nor duplicate.
 */
export async function startRouter(context: ServiceContext<RouterConfig>): Promise<RunningService> {
  const { config, kafka, logger, topics, telemetry } = context;
  const settings = config.router;
  const groupId = `${config.topics.prefix}-router`;

  const routed = telemetry.meter.createCounter('hookrail.router.events', {
    description: 'Source events read by the router, by outcome',
    unit: '{event}',
  });
  const fannedOut = telemetry.meter.createCounter('hookrail.router.deliveries', {
    description: 'Delivery records produced to tier topics',
    unit: '{delivery}',
  });

  const registry = createSubscriptionRegistry({ kafka, topic: topics.subscriptions, logger, owner: 'router' });
  await registry.start();

  const decoder = createDecoder({
    maxPayloadBytes: settings.maxPayloadBytes,
    idPath: settings.idPath,
    typePath: settings.typePath,
    timePath: settings.timePath,
    ...(settings.idHeader ? { idHeader: settings.idHeader } : {}),
    ...(settings.typeHeader ? { typeHeader: settings.typeHeader } : {}),
    ...(settings.schemaRegistryUrl ? { schemaRegistry: { url: settings.schemaRegistryUrl } } : {}),
  });

  const producer = await connectTransactionalProducer(kafka, `${config.topics.prefix}-router-${settings.instanceId}`);
  const consumer = pipelineConsumer(kafka, groupId);
  await consumer.connect();
  const sources: Array<string | RegExp> = [...settings.sourceTopics];
  if (settings.sourcePattern) sources.push(new RegExp(settings.sourcePattern));
  await consumer.subscribe({ topics: sources, fromBeginning: true });

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const outgoing: OutgoingRecord[] = [];
      let invalid = 0;
      for (const message of batch.messages) {
        const record: SourceRecord = {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        };
        const decoded = await decoder.decode(record);
        if ('invalid' in decoded) {
          if (decoded.reason === 'schema-registry-unavailable') throw new TransientRoutingError(decoded.detail);
          outgoing.push(invalidRecord(decoded, record, topics));
          invalid++;
          logger.warn({ source: `${record.topic}/${record.partition}/${record.offset}`, reason: decoded.reason, detail: decoded.detail }, 'invalid event');
        } else {
          outgoing.push(...fanOut(decoded, record, registry.all(), topics));
        }
      }
      if (!isRunning() || isStale()) return; // partitions moved: the new owner redoes this batch

      const transaction = await producer.transaction();
      try {
        if (outgoing.length > 0) await transaction.sendBatch({ topicMessages: byTopic(outgoing) });
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }],
            },
          ],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      // Committed in the transaction; tell KafkaJS to fetch past the batch too.
      resolveOffset(batch.lastOffset());
      routed.add(batch.messages.length - invalid, { outcome: 'routed' });
      if (invalid > 0) routed.add(invalid, { outcome: 'invalid' });
      fannedOut.add(outgoing.length - invalid);
      await heartbeat();
    },
  });

  // KafkaJS restarts a crashed consumer itself; when it keeps crashing (a wedged transactional
  // producer after a broker restart, say), exit and let the supervisor start afresh.
  let crashes = 0;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    crashes++;
    if (!payload.restart || crashes > 5) context.fail(payload.error);
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, () => {
    crashes = 0;
  });

  return {
    async stop() {
      // Disconnecting waits for the batch in hand, whose transaction commits or aborts.
      await consumer.disconnect();
      await producer.disconnect();
      await registry.stop();
    },
  };
}
