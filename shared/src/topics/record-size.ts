import { H } from '../records/headers.ts';
import { MAX_ORDER_KEY_BYTES } from '../subscriptions/order-key.ts';

/**
 * Record sizes: what hookrail adds around a payload, so that the router's max payload and the
 * topics' `max.message.bytes` are set consistently and a payload the router accepts always
 * fits in every record hookrail writes for it (fan-out, retry, DLQ).
 *
 * Kafka checks `max.message.bytes` against a whole record batch. A batch of one record is:
 * the batch header (61 bytes), the record's framing (length, attributes, timestamp delta,
 * offset delta, key length, value length, header count: at most 5+1+10+5+5+5+5 = 36 bytes of
 * varints), the key, the value, and per header a name and a value with a varint length each
 * (at most 5 + 5 bytes). hookrail's key is a subscription id (at most 128 ASCII bytes); its
 * headers are the largest set any of its records carries (a DLQ record), each value at its
 * bound below. The sum, rounded up, is DELIVERY_RECORD_OVERHEAD_BYTES.
 */

/** Kafka's default `message.max.bytes`: the broker's own limit when a topic sets none. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** The router's default max payload: a fan-out of it plus every header fits the default limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_000_000;

const BATCH_HEADER_BYTES = 61;
const RECORD_FRAMING_BYTES = 36;
const HEADER_FRAMING_BYTES = 10;
const MAX_KEY_BYTES = 128; // a subscription id
const MAX_TOPIC_NAME = 249; // Kafka's limit
const DIGITS_INT32 = 10;
const DIGITS_INT64 = 19;
const DIGITS_EPOCH_MS = 16;
/** Event ids and types are at most 256 UTF-16 units (the router's decoder): ≤ 3 bytes each in UTF-8. */
const MAX_ATTRIBUTE_BYTES = 256 * 3;
/** DLQ details are cut to 1 000 UTF-16 units (deliverer): ≤ 3 bytes each in UTF-8. */
const MAX_DETAIL_BYTES = 1_000 * 3;

/** The largest value of each header a hookrail delivery, retry or DLQ record carries. */
export const HEADER_VALUE_BOUNDS: Readonly<Record<string, number>> = {
  [H.deliveryId]: 28, // msg_ + 24 base64url characters
  [H.eventId]: MAX_ATTRIBUTE_BYTES,
  [H.eventType]: MAX_ATTRIBUTE_BYTES,
  [H.subscriptionId]: MAX_KEY_BYTES,
  [H.tier]: 1,
  [H.attempt]: DIGITS_INT32,
  [H.firstAttemptAt]: DIGITS_EPOCH_MS,
  [H.notBefore]: DIGITS_EPOCH_MS,
  [H.rung]: DIGITS_INT32,
  [H.source]: MAX_TOPIC_NAME + 1 + DIGITS_INT32 + 1 + DIGITS_INT64,
  [H.eventTime]: DIGITS_EPOCH_MS,
  [H.contentType]: 256,
  [H.traceparent]: 55, // W3C trace context version 00
  [H.orderKey]: MAX_ORDER_KEY_BYTES, // longer keys are replaced by a digest
  [H.enabledAt]: DIGITS_EPOCH_MS,
  [H.heldSince]: DIGITS_EPOCH_MS,
  [H.spilled]: DIGITS_INT32,
  [H.error]: 32,
  [H.status]: 3,
  [H.errorDetail]: MAX_DETAIL_BYTES,
  [H.lastAttemptAt]: DIGITS_EPOCH_MS,
  [H.originalTopic]: MAX_TOPIC_NAME,
  [H.originalPartition]: DIGITS_INT32,
  [H.originalOffset]: DIGITS_INT64,
};

const headerBytes = Object.entries(HEADER_VALUE_BOUNDS).reduce(
  (sum, [name, value]) => sum + HEADER_FRAMING_BYTES + Buffer.byteLength(name) + value,
  0,
);

/** Bytes of batch, record framing, key and headers around a payload, rounded up to 1 KiB. */
export const DELIVERY_RECORD_OVERHEAD_BYTES =
  Math.ceil((BATCH_HEADER_BYTES + RECORD_FRAMING_BYTES + MAX_KEY_BYTES + headerBytes) / 1024) * 1024;

/** The largest payload whose delivery records fit in a topic with this `max.message.bytes`. */
export function maxPayloadFor(maxMessageBytes: number): number {
  return maxMessageBytes - DELIVERY_RECORD_OVERHEAD_BYTES;
}

/**
 * An upper bound of the bytes one record adds to a record batch: value, key, headers and their
 * framing (varints counted at their largest). For sizing produce requests by what Kafka
 * counts, headers included.
 */
export function recordBytes(message: {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Readonly<Record<string, string | Buffer | Array<string | Buffer> | undefined>>;
}): number {
  const size = (data: string | Buffer | null | undefined) => (data == null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  let bytes = RECORD_FRAMING_BYTES + size(message.key) + size(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) bytes += HEADER_FRAMING_BYTES + Buffer.byteLength(name) + size(one);
  }
  return bytes;
}

/** A record batch's own header (format v2), counted once per batch on top of its records. */
export const RECORD_BATCH_HEADER_BYTES = BATCH_HEADER_BYTES;
