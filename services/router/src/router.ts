import {
  createSubscriptionRegistry,
  fetchBounds,
  indexRegistry,
  invalidHeaders,
  maxRecordBytesFor,
  outgoingRecordBytes,
  quarantineRecord,
  sourceName,
  startKafkaJsTrackedConsumer,
  transactionMetrics,
  type ConsumedRecord,
  type RunningService,
  type ServiceContext,
} from '@hookrail/shared';
import type { RouterConfig } from './config.ts';
import { decoderFor } from './decode/from-settings.ts';
import type { DecodeResult, SourceRecord } from './decode/types.ts';
import { fanOut, invalidRecord } from './fanout.ts';

/** Longest wait between decode attempts while the schema registry is unreachable. */
const REGISTRY_RETRY_MAX_MS = 30_000;

/**
 * Consumes the source topics, fans each event out, and commits the fan-out records with the
 * offsets they consume in one Kafka transaction: a crash between the two can neither lose
 * nor duplicate a fan-out. The core (`startTrackedConsumer`) owns fetching, offsets and
 * transactions; this file says what one source record becomes.
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
  const subscriptions = indexRegistry(registry);

  const decoder = decoderFor(settings);

  const sourceOf = (record: ConsumedRecord): SourceRecord => ({ ...record, offset: String(record.offset) });

  /** Decodes; while the schema registry is down the record waits (in hand, uncommitted) and tries again. */
  const decode = async (source: SourceRecord, signal: AbortSignal): Promise<DecodeResult> => {
    for (let waitMs = 500; ; waitMs = Math.min(waitMs * 2, REGISTRY_RETRY_MAX_MS)) {
      const decoded = await decoder.decode(source);
      if (!('invalid' in decoded) || decoded.reason !== 'schema-registry-unavailable') return decoded;
      logger.warn({ source: `${source.topic}/${source.partition}/${source.offset}`, detail: decoded.detail, retryInMs: waitMs }, 'schema registry unavailable; the event waits');
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => (clearTimeout(timer), reject(signal.reason));
        const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), waitMs);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  };

  const sources: Array<string | RegExp> = [...settings.sourceTopics];
  if (settings.sourcePattern) sources.push(new RegExp(settings.sourcePattern));

  const tracked = await startKafkaJsTrackedConsumer(kafka, {
    groupId,
    transactionalId: `${config.topics.prefix}-router-${settings.instanceId}`,
    topics: sources,
    logger,
    maxBuffered: settings.maxBuffered,
    maxWindow: 10_000,
    fetch: fetchBounds(config.kafka),
    commitIntervalMs: settings.commitIntervalMs,
    maxRecordBytes: maxRecordBytesFor(config.topics.maxMessageBytes),
    onTransaction: transactionMetrics(telemetry.meter)({ 'hookrail.lane': 'router' }),
    onFatal: context.fail,
    handler: {
      async handle(record, signal) {
        const source = sourceOf(record);
        const decoded = await decode(source, signal);
        if ('invalid' in decoded) {
          logger.warn({ source: `${record.topic}/${record.partition}/${record.offset}`, reason: decoded.reason, detail: decoded.detail }, 'invalid event');
          routed.add(1, { outcome: 'invalid' });
          const invalid = invalidRecord(decoded, source, topics);
          if (decoded.reason !== 'oversize') return [invalid];
          // Its whole copy may not fit the invalid topic: kept cut to size, with its SHA-256.
          const consumed = { topic: record.topic, partition: record.partition, offset: record.offset };
          return [quarantineRecord(invalid, { topic: topics.invalid, reason: decoded.detail, bytes: outgoingRecordBytes(invalid), consumed })];
        }
        const records = fanOut(decoded, source, subscriptions, topics);
        routed.add(1, { outcome: 'routed' });
        fannedOut.add(records.length);
        return records;
      },
      failed(record, error) {
        routed.add(1, { outcome: 'invalid' });
        const detail = `the router failed on this event: ${(error as Error)?.message ?? String(error)}`.slice(0, 500);
        return [invalidRecord({ invalid: true, reason: 'internal', detail }, sourceOf(record), topics)];
      },
      quarantine: (record, info) =>
        quarantineRecord(record, {
          ...info,
          topic: topics.invalid,
          headers: invalidHeaders({ reason: 'unwritable', detail: info.reason, source: sourceName(info.consumed) }),
        }),
    },
  });

  return {
    async stop() {
      await tracked.stop(); // commits what was fanned out, then leaves the group
      await registry.stop();
    },
  };
}
