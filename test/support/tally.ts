// Counting for the conservation tests: what reached the receivers, what the DLQ and the tier
// topics hold, and the duplicates of each kind.
import { createHash, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { deliveryId, H } from '@hookrail/shared';
import { startReceiver, type Receiver } from './receiver.ts';
import { applySubscriptions, eventually, readAll, testSubscription, type ReadRecord, type TestInstall } from './topics.ts';

/** Deterministic per text: the same webhook-id (and attempt) always gets the same answer. */
export const coin = (text: string) => createHash('sha256').update(text).digest()[0]! / 256;

/**
 * Two receivers and their subscriptions: alpha (tier 1, every event; 10 % of attempts fail with
 * 503) and beta (tier 2, `order.*`; 1 event in 10 refused for good with 400).
 */
export async function alphaAndBeta(kafka: Kafka, install: TestInstall): Promise<Receiver[]> {
  const receivers = [
    await startReceiver((r) => ({ status: coin(`${r.webhookId}/${r.seen}`) < 0.1 ? 503 : 200 })),
    await startReceiver((r) => ({ status: coin(r.webhookId) < 0.1 ? 400 : 200 })),
  ];
  await applySubscriptions(kafka, install, [
    testSubscription({ id: 'alpha', url: receivers[0]!.url, tier: 1 }),
    testSubscription({ id: 'beta', url: receivers[1]!.url, tier: 2, eventTypes: ['order.*'] }),
  ]);
  return receivers;
}

/**
 * `count` source events for alpha and beta, half `order.created` (both subscriptions), half
 * `user.updated` (alpha only); their delivery ids are added to `expected`.
 */
export function alphaBetaEvents(count: number, expected: Set<string>): Array<{ key: string; value: string }> {
  return Array.from({ length: count }, (_, n) => {
    const id = randomUUID();
    const type = n % 2 === 0 ? 'order.created' : 'user.updated';
    expected.add(deliveryId(id, 'alpha'));
    if (type.startsWith('order.')) expected.add(deliveryId(id, 'beta'));
    return { key: id, value: JSON.stringify({ id, type }) };
  });
}

/**
 * The events of `events` that are in `topic`'s log, and the deliveries they owe. The promise
 * starts once an event is in Kafka: an event the upstream producer was told was written but is
 * not in the log (KafkaJS's producer across a leader kill, see the three-broker test) is the
 * producer's loss, counted apart, not hookrail's.
 */
export async function inSourceLog(kafka: Kafka, topic: string, events: Array<{ key: string; value: string }>) {
  const logged = await readAll(kafka, topic);
  const present = new Map<string, number>();
  for (const record of logged) present.set(record.key!, (present.get(record.key!) ?? 0) + 1);
  const expected = new Set<string>();
  const missing: string[] = [];
  for (const event of events) {
    if (!present.has(event.key)) {
      missing.push(event.key);
      continue;
    }
    const { type } = JSON.parse(event.value) as { type: string };
    expected.add(deliveryId(event.key, 'alpha'));
    if (type.startsWith('order.')) expected.add(deliveryId(event.key, 'beta'));
  }
  return { expected, missing, writtenTwice: [...present.values()].filter((n) => n > 1).length };
}

/** Requests for a webhook-id its receiver had already answered with a 2xx. */
export function duplicatesAfterSuccess(receiver: Pick<Receiver, 'requests'>): number {
  const succeeded = new Set<string>();
  let duplicates = 0;
  for (const request of receiver.requests) {
    if (succeeded.has(request.webhookId)) duplicates++;
    if (request.status !== undefined && request.status < 300) succeeded.add(request.webhookId);
  }
  return duplicates;
}

const countBy = (records: ReadRecord[]) => {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.headers[H.deliveryId]!, (counts.get(r.headers[H.deliveryId]!) ?? 0) + 1);
  return counts;
};

/** Waits until every expected delivery was delivered or dead-lettered; then counts. */
export async function settleAndTally(options: {
  kafka: Kafka;
  install: TestInstall;
  receivers: Receiver[];
  expected: Set<string>;
  timeoutMs: number;
  /** Said on a timeout, e.g. the services' last warnings. */
  problems: () => string;
  /** Looked up and said on a timeout, e.g. where consumers stand against the log. */
  diagnose?: () => Promise<string>;
}) {
  const { kafka, install, receivers, expected } = options;
  const delivered = () => new Set(receivers.flatMap((r) => [...r.delivered]));
  let dlq: ReadRecord[] = [];
  await eventually(async () => {
    const read = await readAll(kafka, install.topics.dlq).catch(() => undefined);
    if (!read) return undefined;
    dlq = read;
    const done = delivered();
    const dead = new Set(dlq.map((r) => r.headers[H.deliveryId]!));
    return [...expected].every((id) => done.has(id) || dead.has(id)) ? true : undefined;
  }, options.timeoutMs, 'every delivery to be delivered or dead-lettered', 2_000).catch(async (error: Error) => {
    const diagnosis = options.diagnose ? await options.diagnose().catch((e: Error) => `diagnosis failed: ${e.message}`) : '';
    throw new Error(`${error.message}\n${diagnosis}\n${options.problems()}`);
  });
  const dead = countBy(dlq);
  const fanned = countBy([...(await readAll(kafka, install.topics.tier(1))), ...(await readAll(kafka, install.topics.tier(2)))]);
  // Identical copies (same attempt time) came from one attempt written twice.
  const attemptTimes = new Map<string, Set<string>>();
  for (const r of dlq) attemptTimes.set(r.headers[H.deliveryId]!, (attemptTimes.get(r.headers[H.deliveryId]!) ?? new Set()).add(r.headers[H.lastAttemptAt] ?? ''));
  const done = delivered();
  return {
    delivered: [...expected].filter((id) => done.has(id)).length,
    deadLettered: dead.size,
    deadTwice: [...dead].filter(([, count]) => count > 1).length,
    sameAttemptTwice: [...dead].filter(([id, count]) => count > 1 && attemptTimes.get(id)!.size === 1).length,
    /** Where each twice-dead-lettered delivery sits in the DLQ (partition:offset, attempt), to tell one write repeated from two attempts. */
    deadTwiceAt: [...dead]
      .filter(([, count]) => count > 1)
      .map(([id]) => `${id} ${dlq.filter((r) => r.headers[H.deliveryId] === id).map((r) => `${r.partition}:${r.offset}@${r.headers[H.lastAttemptAt]}`).join(' ')}`),
    fannedOut: fanned.size,
    fannedTwice: [...fanned].filter(([, count]) => count > 1).length,
    duplicateRequests: receivers.reduce((sum, receiver) => sum + duplicatesAfterSuccess(receiver), 0),
  };
}
