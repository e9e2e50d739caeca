import { byTopic, deliveryRecord, ensureTopics, MalformedRecord, type Delivery, type OutgoingRecord } from '@hookrail/shared';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliContext } from '../context.ts';
import { deliveryOf, type DeadLetter } from './dead-letter.ts';
import { waitBeforeNext } from './pace.ts';
import { markRecord, replayLogSpec, replayLogTopic, type ReplayMark } from './replay-log.ts';

/** A dead letter that holds a delivery. */
export type ReplayableLetter = DeadLetter & { delivery: Delivery };

export interface ReplaySelection {
  /** What a replay sends: the dry run counts exactly these. */
  chosen: ReplayableLetter[];
  /** Matching, replayed before, left out without --again. */
  alreadyReplayed: number;
  /** Matching records that are not deliveries (cannot be sent back). */
  unreadable: number;
}

/** Which matching dead letters a replay sends back: each once, unless `again`. Pure. */
export function selectForReplay(matching: readonly DeadLetter[], marks: ReadonlyMap<string, ReplayMark>, again: boolean): ReplaySelection {
  const deliveries = matching.flatMap((letter): ReplayableLetter[] => {
    const delivery = deliveryOf(letter);
    return delivery instanceof MalformedRecord ? [] : [{ ...letter, delivery }];
  });
  const chosen = deliveries.filter((letter) => again || !marks.has(letter.key));
  return { chosen, alreadyReplayed: deliveries.length - chosen.length, unreadable: matching.length - deliveries.length };
}

/**
 * Sends the dead letters back to their tier topics as fresh deliveries (attempt 0, same
 * webhook-id), at most `perSecond` a second. Each chunk's deliveries and their replay-log
 * marks are one transaction: never sent without a mark, never marked unsent.
 */
export async function sendBack(
  context: CliContext,
  letters: readonly ReplayableLetter[],
  marks: ReadonlyMap<string, ReplayMark>,
  options: {
    perSecond: number;
    onProgress: (done: number) => void;
    /** `subscriptions enable --replay-since`: the enable's time, carried by each delivery (policy/disabled-subscription.ts). */
    enabledAt?: number;
  },
): Promise<number> {
  if (letters.length === 0) return 0;
  const { kafka, topics, config } = context;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [replayLogSpec(config)], { create: true }).finally(() => admin.disconnect());
  const logTopic = replayLogTopic(config.topics.prefix);
  const producer = kafka.producer({ transactionalId: `${config.topics.prefix}-dlq-replay-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const chunk = Math.max(1, Math.min(500, Math.floor(options.perSecond)));
  const startedAt = Date.now();
  let sent = 0;
  try {
    for (let from = 0; from < letters.length; from += chunk) {
      await sleep(waitBeforeNext(sent, options.perSecond, startedAt, Date.now()));
      const out: OutgoingRecord[] = [];
      const batch = letters.slice(from, from + chunk);
      for (const letter of batch) {
        const { delivery } = letter;
        const fresh: Delivery = { ...delivery, attempt: 0 };
        delete fresh.firstAttemptAt;
        delete fresh.notBefore;
        delete fresh.rung;
        if (options.enabledAt !== undefined) fresh.enabledAt = options.enabledAt;
        const tierTopic = topics.tier(delivery.tier);
        out.push(deliveryRecord(tierTopic, fresh, { replayOf: `${topics.dlq}/${letter.key}` }));
        out.push({ topic: logTopic, message: markRecord(letter, marks.get(letter.key), tierTopic, Date.now()) });
      }
      const transaction = await producer.transaction();
      try {
        await transaction.sendBatch({ topicMessages: byTopic(out) });
        await transaction.commit();
      } catch (error) {
        await transaction.abort();
        throw error;
      }
      sent += batch.length;
      options.onProgress(sent);
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}
