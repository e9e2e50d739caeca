import { headersToStrings, MalformedRecord, parseDeadLetter, type DeadLetterRecord, type Delivery } from '@hookrail/shared';
import type { KafkaMessage } from 'kafkajs';

/** One record of the DLQ topic, as inspect and replay see it. */
export interface DeadLetter {
  partition: number;
  offset: string;
  /** `partition/offset`: the key of its mark in the replay log. */
  key: string;
  /** Every header as it came (what `inspect --json` prints). */
  headers: Record<string, string>;
  payload: Buffer | null;
  /** The dead letter as read (shared/src/records/dead-letter.ts), or why it is not one. */
  letter: DeadLetterRecord | MalformedRecord;
  /** When it was dead-lettered (its last attempt), epoch ms. */
  at: number;
}

export function deadLetterOf(partition: number, message: KafkaMessage): DeadLetter {
  const letter = parseDeadLetter(message.headers, message.value);
  const lastAttemptAt = letter instanceof MalformedRecord ? undefined : letter.lastAttemptAt;
  return {
    partition,
    offset: message.offset,
    key: `${partition}/${message.offset}`,
    headers: headersToStrings(message.headers),
    payload: message.value,
    letter,
    at: lastAttemptAt !== undefined && lastAttemptAt > 0 ? lastAttemptAt : Number(message.timestamp),
  };
}

/** The delivery a dead letter holds (what a replay sends back), or why it holds none. */
export function deliveryOf(letter: DeadLetter): Delivery | MalformedRecord {
  return letter.letter instanceof MalformedRecord ? letter.letter : letter.letter.delivery;
}
