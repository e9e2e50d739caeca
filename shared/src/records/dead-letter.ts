import { deliveryHeaders, parseDelivery, type Delivery } from './delivery.ts';
import { H, headerNumber, headerString, type RecordHeaders } from './headers.ts';
import { definedOnly, MalformedRecord } from './malformed.ts';

/**
 * Why a delivery was dead-lettered (`hookrail-error`), with what each class means. The CLI's
 * `dlq inspect --error` filter, the monitor and docs/architecture.md derive from this list
 * (a unit test holds the docs to it).
 */
export const DEAD_LETTER_ERRORS = {
  exhausted: "the ladder's attempts were made and the last one failed",
  permanent: 'the receiver refused it (a 4xx other than 408, 425 and 429, or a request that cannot be made)',
  gone: 'the receiver answered 410 Gone (the subscription is flagged)',
  'subscription-missing': 'its subscription no longer exists (deleted after routing)',
  'subscription-disabled': 'its subscription is disabled',
  'subscription-invalid': 'its subscription cannot be used (the registry says why)',
  'invalid-secret': "its subscription's secret cannot sign",
  'malformed-delivery': 'a record in a hookrail topic that is not a delivery',
  internal: 'the attempt threw: a bug, not the receiver',
  parked: 'an ordered key parked behind a dead-lettered head',
  unwritable: 'its outcome could not be written (too large, invalid): a quarantine record',
  'circuit-open': "held past its horizon by its destination's open circuit breaker",
} as const;

export type DeadLetterError = keyof typeof DEAD_LETTER_ERRORS;

/** Every dead-letter class, in the order above. */
export const DEAD_LETTER_ERROR_CLASSES = Object.keys(DEAD_LETTER_ERRORS) as DeadLetterError[];

export const isDeadLetterError = (text: string | undefined): text is DeadLetterError => text !== undefined && Object.hasOwn(DEAD_LETTER_ERRORS, text);

/** Where a consumed record came from: dead letters and attempt log entries name it. */
export interface Origin {
  topic: string;
  partition: number;
  offset: string;
}

/** The `hookrail-original-*` headers naming a consumed record (dead letters, quarantine records). */
export function originHeaders(origin: Origin): Record<string, string> {
  return { [H.originalTopic]: origin.topic, [H.originalPartition]: String(origin.partition), [H.originalOffset]: origin.offset };
}

/** The consumed record the headers name, or undefined when they name none. */
export function parseOrigin(headers: RecordHeaders | undefined): Origin | undefined {
  const topic = headerString(headers, H.originalTopic);
  const partition = headerNumber(headers, H.originalPartition);
  const offset = headerString(headers, H.originalOffset);
  return topic === undefined || partition === undefined || offset === undefined ? undefined : { topic, partition, offset };
}

/** Longest `hookrail-error-detail` kept (topics/record-size.ts bounds the header by it). */
export const MAX_ERROR_DETAIL = 1_000;

/** Why a record is dead-lettered and the record it came from. */
export interface DeadLetterCause {
  error: DeadLetterError;
  detail: string;
  origin: Origin;
  /** Epoch ms of the last attempt (or of the decision, without one). */
  lastAttemptAt?: number;
  /** HTTP status of the last attempt, when it had one. */
  status?: number;
}

/** The headers a dead letter adds to what it keeps of its record: the one builder of them. */
export function deadLetterHeaders(cause: DeadLetterCause): Record<string, string> {
  const headers: Record<string, string> = { [H.error]: cause.error, [H.errorDetail]: cause.detail.slice(0, MAX_ERROR_DETAIL) };
  if (cause.lastAttemptAt !== undefined) headers[H.lastAttemptAt] = String(cause.lastAttemptAt);
  if (cause.status !== undefined) headers[H.status] = String(cause.status);
  return { ...headers, ...originHeaders(cause.origin) };
}

/** A delivery's dead letter: the delivery (no longer waiting for a time) and its cause, keyed by subscription. */
export function deadLetterRecord(topic: string, delivery: Delivery, cause: DeadLetterCause) {
  const { notBefore: _waitsNoMore, ...dead } = delivery;
  return { topic, message: { key: delivery.subscriptionId, value: delivery.payload, headers: { ...deliveryHeaders(dead), ...deadLetterHeaders(cause) } } };
}

/** A record that is not a delivery, dead-lettered as it came (its key, value and headers) with its cause. */
export function deadLetterOfRecord(
  topic: string,
  record: { key: Buffer | string | null; value: Buffer | string | null; headers?: RecordHeaders | undefined },
  cause: DeadLetterCause,
) {
  return { topic, message: { key: record.key, value: record.value, headers: { ...record.headers, ...deadLetterHeaders(cause) } } };
}

/** A DLQ record as read. */
export interface DeadLetterRecord {
  error: DeadLetterError;
  detail: string;
  origin?: Origin;
  lastAttemptAt?: number;
  status?: number;
  /** The delivery it holds (what a replay sends back), or why it is not one. */
  delivery: Delivery | MalformedRecord;
  /** What its delivery headers name, read even when it is not a whole delivery (a malformed or quarantined record). */
  about: { subscriptionId?: string; deliveryId?: string; eventType?: string; attempt?: number };
}

/** Reads a DLQ record; malformed when it carries no `hookrail-error` of a known class. */
export function parseDeadLetter(headers: RecordHeaders | undefined, value: Buffer | null): DeadLetterRecord | MalformedRecord {
  const error = headerString(headers, H.error);
  if (error === undefined) return new MalformedRecord('dead letter', `no ${H.error} header`);
  if (!isDeadLetterError(error)) return new MalformedRecord('dead letter', `unknown ${H.error} "${error}"`);
  const letter: DeadLetterRecord = { error, detail: headerString(headers, H.errorDetail) ?? '', delivery: parseDelivery(headers, value), about: {} };
  const origin = parseOrigin(headers);
  if (origin) letter.origin = origin;
  const lastAttemptAt = headerNumber(headers, H.lastAttemptAt);
  if (lastAttemptAt !== undefined) letter.lastAttemptAt = lastAttemptAt;
  const status = headerNumber(headers, H.status);
  if (status !== undefined) letter.status = status;
  letter.about = definedOnly({
    subscriptionId: headerString(headers, H.subscriptionId),
    deliveryId: headerString(headers, H.deliveryId),
    eventType: headerString(headers, H.eventType),
    attempt: headerNumber(headers, H.attempt),
  });
  return letter;
}
