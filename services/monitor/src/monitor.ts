import type { RunningService, ServiceContext } from '@hookrail/shared';
import type { MonitorConfig } from './config.ts';
import { readOffsets, type OffsetSnapshot } from './offsets.ts';

/** Reads offsets on an interval and exports queue lengths and consumer lag as metrics. */
export async function startMonitor(context: ServiceContext<MonitorConfig>): Promise<RunningService> {
  const { config, kafka, logger, telemetry, topics } = context;
  const admin = kafka.admin();
  await admin.connect();
  let latest: OffsetSnapshot | undefined;

  const poll = async () => {
    try {
      latest = await readOffsets(admin, config.topics.prefix, topics);
    } catch (error) {
      logger.warn({ err: error }, 'reading offsets failed; keeping the last reading');
    }
  };
  await poll();
  const timer = setInterval(() => void poll(), config.monitor.pollIntervalMs);

  telemetry.meter
    .createObservableGauge('hookrail.queue.length', { description: 'Records in each hookrail topic', unit: '{record}' })
    .addCallback((result) => {
      for (const [topic, length] of latest?.queueLength ?? []) result.observe(length, { 'messaging.destination.name': topic });
    });
  telemetry.meter
    .createObservableGauge('messaging.kafka.consumer.lag', { description: 'Records a consumer group has not committed yet', unit: '{record}' })
    .addCallback((result) => {
      for (const p of latest?.lag ?? []) {
        result.observe(p.lag, {
          'messaging.consumer.group.name': p.group,
          'messaging.destination.name': p.topic,
          'messaging.destination.partition.id': String(p.partition),
        });
      }
    });

  context.ops.route('/status', (_request, response) => {
    const body = {
      at: latest ? new Date(latest.at).toISOString() : null,
      queues: Object.fromEntries(latest?.queueLength ?? []),
      lag: latest?.lag ?? [],
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2));
  });

  return {
    async stop() {
      clearInterval(timer);
      await admin.disconnect();
    },
  };
}
