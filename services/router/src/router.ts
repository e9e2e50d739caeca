import { createSubscriptionRegistry, createTrackedConsumer, type RunningService, type ServiceContext } from '@hookrail/shared';
import type { RouterConfig } from './config.ts';
import { createDecoder } from './decode/decoder.ts';
import type { SourceRecord } from './decode/types.ts';
import { fanOut, invalidRecord } from './fanout.ts';

/** Thrown when a record cannot be routed *yet* (the schema registry is down): the batch is retried. */
class TransientRoutingError extends Error {}

/**
 * Consumes the source topics, fans each event out, and commits the fan-out records with the
 * offsets they consume in one Kafka transaction: a crash between the two can neither lose
 * nor duplicate a fan-out.
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

  const tracked = await createTrackedConsumer({
    kafka,
    groupId,
    transactionalId: `${config.topics.prefix}-router-${settings.instanceId}`,
    logger,
    maxBuffered: settings.maxBuffered,
    maxWindow: 10_000,
    commitIntervalMs: settings.commitIntervalMs,
    onFatal: context.fail,
  });
  const { consumer } = tracked;
  await consumer.connect();
  const sources: Array<string | RegExp> = [...settings.sourceTopics];
  if (settings.sourcePattern) sources.push(new RegExp(settings.sourcePattern));
  await consumer.subscribe({ topics: sources, fromBeginning: true });

  // Fan-outs of every partition gather for a few milliseconds and commit together with the
  // offsets they consume: one transaction for many batches, not one per partition batch.
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const partition = await tracked.partition(batch);
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (tracked.windowFull(partition, offset)) return;
        if (!(await tracked.roomFor({ heartbeat, isRunning, isStale }))) return;
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
        // The registry is down: stop here; KafkaJS retries from this record.
        if ('invalid' in decoded && decoded.reason === 'schema-registry-unavailable') throw new TransientRoutingError(decoded.detail);
        const verdict = partition.tracker.accept(offset);
        resolveOffset(message.offset);
        if (verdict === 'skip') continue; // already fanned out before a restart
        if ('invalid' in decoded) {
          logger.warn({ source: `${record.topic}/${record.partition}/${record.offset}`, reason: decoded.reason, detail: decoded.detail }, 'invalid event');
          tracked.complete(partition, offset, [invalidRecord(decoded, record, topics)]);
          routed.add(1, { outcome: 'invalid' });
        } else {
          const records = fanOut(decoded, record, registry.all(), topics);
          tracked.complete(partition, offset, records);
          routed.add(1, { outcome: 'routed' });
          fannedOut.add(records.length);
        }
      }
      await heartbeat();
    },
  });

  return {
    async stop() {
      await tracked.stopFetching();
      await tracked.close(); // commits what was fanned out, then disconnects
      await registry.stop();
    },
  };
}
