// The storm of issue 19, measured: one tier, three subscriptions at `rate` events/s each (one
// event type fanned out to all three by the router). `healthy` answers at once; for `stormMs`,
// `slow` takes 1.5 s per request and `down` answers 503 (its ladder of 4 retries, 1 + 4 + 16 +
// 64 s, outlasts the outage). Reported: healthy's end-to-end latency before and during the
// storm; what `down` saw before its breaker opened, while it was open and in the 5 s after it
// closed; where the deliveries ended.
import type { Kafka } from 'kafkajs';
import { MalformedRecord, parseDeadLetter, readToEnd } from '@hookrail/shared';
import type { Context } from '../context.ts';
import { applySubscriptions, benchSubscription, createInstall, readAttempts } from '../kafka.ts';
import { produceAtRate, startPipeline } from '../pipeline.ts';
import { startReceiver, type NameStats } from '../receiver.ts';
import { summarize, type Summary } from '../stats.ts';

export interface OutageResult {
  rate: number;
  stormSeconds: number;
  healthyBefore: Summary;
  healthyDuring: Summary;
  /** 503s `down` answered before its breaker first opened. */
  failedBeforeOpen: number;
  openSeconds: number;
  requestsWhileOpen: number;
  requestsInFiveSecondsAfterClose: number;
  downDelivered: number;
  downDeadLetters: number;
  slowDelivered: number;
  sent: number;
}

const SLOW_MS = 1_500;

export async function outageRun(context: Context, kafka: Kafka): Promise<OutageResult> {
  const rate = context.size(40, 20);
  const beforeMs = context.size(15_000, 8_000);
  const stormMs = context.size(60_000, 30_000);
  const afterMs = context.size(20_000, 10_000);
  const { receiver } = context;
  const outage = await startReceiver();
  const install = await createInstall(kafka, 'outage');
  const pipeline = await startPipeline(install);
  try {
    // The receivers' behaviour is in their URLs, with its times: known once the pipeline runs.
    const start = Date.now() + 5_000;
    const stormFrom = start + beforeMs;
    const stormTo = stormFrom + stormMs;
    const names = { healthy: `${install.prefix}-healthy`, slow: `${install.prefix}-slow`, down: `${install.prefix}-down` };
    await applySubscriptions(kafka, install, [
      benchSubscription({ id: 'healthy', url: receiver.fast(names.healthy), tier: 1, eventTypes: ['bench.outage'] }),
      benchSubscription({ id: 'slow', url: outage.during(names.slow, stormFrom, stormTo, { slowMs: SLOW_MS }), tier: 1, eventTypes: ['bench.outage'] }),
      benchSubscription({ id: 'down', url: outage.during(names.down, stormFrom, stormTo, { status: 503 }), tier: 1, eventTypes: ['bench.outage'], retry: { retries: 4 } }),
    ]);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await receiver.recordLatency(true);
      await outage.recordLatency(true);
      while (Date.now() < start) await new Promise((resolve) => setTimeout(resolve, 50));
      context.log(`outage: ${rate} events/s × 3 subscriptions; slow (${SLOW_MS} ms) and down (503) for ${stormMs / 1_000} s after ${beforeMs / 1_000} s`);
      const produced = await produceAtRate(producer, install.source, rate, beforeMs + stormMs + afterMs, () => 'bench.outage');
      // Everything ends delivered (or dead-lettered): down's last retries come within its ladder.
      const deadline = Date.now() + 300_000;
      let stats: Record<string, NameStats> = {};
      const ended = async () => {
        stats = { ...(await receiver.stats(true)), ...(await outage.stats(true)) };
        const dead = await deadLetters(kafka, install.topics.dlq, install.prefix);
        return (stats[names.healthy]?.distinct ?? 0) + (stats[names.slow]?.distinct ?? 0) + (stats[names.down]?.distinct ?? 0) + dead.size >= 3 * produced.sent;
      };
      while (!(await ended()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1_000));
      const dead = await deadLetters(kafka, install.topics.dlq, install.prefix);
      const breaker = await breakerTimes(kafka, install.topics.attempts, stormFrom);
      const healthy = stats[names.healthy]!;
      const latency = (from: number, to: number) => (healthy.latencies ?? []).filter((_, i) => healthy.sentAt![i]! >= from && healthy.sentAt![i]! < to);
      const downRequests = stats[names.down]?.requests ?? [];
      const between = (from: number, to: number) => downRequests.filter(([at]) => at >= from && at < to);
      return {
        rate,
        stormSeconds: stormMs / 1_000,
        healthyBefore: summarize(latency(produced.start + 3_000, stormFrom)),
        healthyDuring: summarize(latency(stormFrom, stormTo)),
        failedBeforeOpen: breaker.openedAt === undefined ? NaN : between(stormFrom, breaker.openedAt + 1).filter(([, status]) => status === 503).length,
        openSeconds: breaker.openedAt !== undefined && breaker.closedAt !== undefined ? (breaker.closedAt - breaker.openedAt) / 1_000 : NaN,
        requestsWhileOpen: breaker.openedAt !== undefined && breaker.closedAt !== undefined ? between(breaker.openedAt + 1, breaker.closedAt).length : NaN,
        requestsInFiveSecondsAfterClose: breaker.closedAt === undefined ? NaN : between(breaker.closedAt, breaker.closedAt + 5_000).length,
        downDelivered: stats[names.down]?.distinct ?? 0,
        downDeadLetters: [...dead].filter((d) => d.startsWith('down/')).length,
        slowDelivered: stats[names.slow]?.distinct ?? 0,
        sent: produced.sent,
      };
    } finally {
      await receiver.recordLatency(false);
      await producer.disconnect().catch(() => undefined);
    }
  } finally {
    await pipeline.stop();
    await outage.close();
    await install.cleanup();
  }
}

/** Dead letters as `subscription/delivery id`. */
async function deadLetters(kafka: Kafka, topic: string, prefix: string): Promise<Set<string>> {
  const out = new Set<string>();
  await readToEnd({
    kafka,
    topic,
    groupId: `${prefix}-dlq-reader-${Date.now()}`,
    onBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const letter = parseDeadLetter(message.headers, message.value);
        out.add(letter instanceof MalformedRecord ? `malformed/${batch.partition}:${message.offset}` : `${letter.about.subscriptionId}/${letter.about.deliveryId}`);
      }
    },
  });
  return out;
}

/** When down's breaker first opened and last closed, from the breaker state the attempt log carries after each attempt. */
async function breakerTimes(kafka: Kafka, topic: string, stormFrom: number): Promise<{ openedAt?: number; closedAt?: number }> {
  const entries = (await readAttempts(kafka, topic, { idleMs: 3_000 })).filter((e) => e.subscriptionId === 'down' && e.attemptedAt >= stormFrom).sort((a, b) => a.attemptedAt - b.attemptedAt);
  const openedAt = entries.find((e) => e.breaker?.state === 'open')?.attemptedAt;
  const closing = entries.filter((e) => e.http !== false && e.outcome === 'delivered' && e.breaker?.state === 'closed' && openedAt !== undefined && e.attemptedAt > openedAt);
  return { ...(openedAt !== undefined ? { openedAt } : {}), ...(closing[0] ? { closedAt: closing[0].attemptedAt } : {}) };
}
