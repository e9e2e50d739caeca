import type { Logger } from '@hookrail/shared';
import type { Producer } from 'kafkajs';
import type { AlertsConfig } from '../config.ts';
import { apiPayload, webhookPayload } from './alertmanager.ts';
import type { AlertRecord } from './engine.ts';

export interface AlertSink {
  readonly name: string;
  send(records: readonly AlertRecord[]): Promise<void>;
}

/** Firing alerts as warnings, resolutions as info, one line each with the score. */
export function logSink(logger: Logger): AlertSink {
  return {
    name: 'log',
    async send(records) {
      for (const r of records) {
        const line = { alert: r.name, status: r.status, fingerprint: r.fingerprint, labels: r.labels, value: r.value, threshold: r.threshold, score: r.score.score, priority: r.score.priority };
        if (r.status === 'firing') logger.warn(line, `alert firing: ${r.annotations.summary}`);
        else logger.info(line, `alert resolved: ${r.name}`);
      }
    },
  };
}

/** Every state change to `<prefix>.alerts`, keyed by fingerprint (one alert's changes stay in order). */
export function topicSink(producer: Producer, topic: string): AlertSink {
  return {
    name: 'topic',
    async send(records) {
      if (records.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.fingerprint,
          value: JSON.stringify(r),
          headers: { 'hookrail-alert-status': r.status, 'hookrail-alert-name': r.name, 'content-type': 'application/json' },
        })),
      });
    },
  };
}

/**
 * POSTs an Alertmanager-compatible payload; retries with backoff on network errors and
 * 5xx/429, gives up after `retries` and logs (alerting never stops the monitor).
 */
export function webhookSink(
  options: { url: string; format: AlertsConfig['sinks']['webhook']['format']; timeoutMs: number; retries: number; externalURL: string },
  logger: Logger,
): AlertSink {
  const post = async (body: unknown) => {
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'hookrail-monitor/0.1' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        problem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) {
          logger.error({ url: options.url, status: response.status }, 'alert webhook refused the payload');
          return;
        }
      } catch (error) {
        problem = (error as Error).message;
      }
      if (attempt >= options.retries) {
        logger.error({ url: options.url, problem, attempts: attempt + 1 }, 'alert webhook unreachable, giving up on this notification');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  };
  return {
    name: 'webhook',
    async send(records) {
      if (records.length === 0) return;
      if (options.format === 'api') return post(apiPayload(records, options.externalURL));
      // One notification per alert name, like an Alertmanager group by alertname.
      for (const group of Map.groupBy(records, (r) => r.name).values()) {
        await post(webhookPayload(group, { externalURL: options.externalURL }));
      }
    },
  };
}

/** Sends to every sink; a failing sink is logged and does not keep the others from their copy. */
export async function notifyAll(sinks: readonly AlertSink[], records: readonly AlertRecord[], logger: Logger): Promise<void> {
  if (records.length === 0) return;
  await Promise.all(
    sinks.map((sink) =>
      sink.send(records).catch((error: unknown) => logger.error({ err: error, sink: sink.name }, 'alert sink failed')),
    ),
  );
}
