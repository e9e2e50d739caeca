import { H, headersToStrings, parseDelivery, type Delivery } from '@hookrail/shared';
import type { KafkaMessage } from 'kafkajs';

/** One record of the DLQ topic, as inspect and replay see it. */
export interface DeadLetter {
  partition: number;
  offset: string;
  /** `partition/offset`: the key of its mark in the replay log. */
  key: string;
  headers: Record<string, string>;
  payload: Buffer | null;
  /** The delivery to send again, or why the record is not one. */
  delivery: Delivery | string;
  /** When it was dead-lettered (its last attempt), epoch ms. */
  at: number;
}

export function deadLetterOf(partition: number, message: KafkaMessage): DeadLetter {
  const headers = headersToStrings(message.headers);
  const lastAttemptAt = Number(headers[H.lastAttemptAt]);
  return {
    partition,
    offset: message.offset,
    key: `${partition}/${message.offset}`,
    headers,
    payload: message.value,
    delivery: parseDelivery(message.headers, message.value),
    at: Number.isFinite(lastAttemptAt) && lastAttemptAt > 0 ? lastAttemptAt : Number(message.timestamp),
  };
}
