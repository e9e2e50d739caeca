import type { Tier } from '../config/base.ts';
import { H, headerNumber, headerString, type RecordHeaders } from './headers.ts';
import { MalformedRecord } from './malformed.ts';

/** One event for one subscription, as it travels through tier, retry, parking and DLQ topics. */
export interface Delivery {
  deliveryId: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  tier: Tier;
  /** HTTP attempts made so far (0 on the tier topic). */
  attempt: number;
  /** Epoch ms of the first attempt (undefined before it). */
  firstAttemptAt?: number;
  /** Epoch ms before which the next attempt must not start (retry records). */
  notBefore?: number;
  /** Index of the retry rung this record waits on (retry records). */
  rung?: number;
  /** `topic/partition/offset` of the source event. */
  source: string;
  /** Epoch ms of the event (from the event, else the source record's timestamp). */
  eventTime: number;
  contentType: string;
  traceparent?: string;
  /** Ordered subscriptions: the event's ordering key, set by the router. */
  orderKey?: string;
  /**
   * Epoch ms of the `subscriptions enable` that replayed this delivery: a deliverer whose view
   * still shows the disable from before it delivers anyway (the replay proves the enable).
   */
  enabledAt?: number;
  /** Epoch ms the receiver protection first held it back without a request (breaker, pause, saturation). */
  heldSince?: number;
  /** Times it was spilled from its lane unattempted because its destination was saturated. */
  spilled?: number;
  payload: Buffer;
}

/**
 * What one copy of a delivery record says about where it came from, beside the delivery: not
 * carried on to its retry or dead-letter records (a retry of a replay is not a replay).
 */
export interface DeliveryMarks {
  /** Sent back from the DLQ (`hookrail dlq replay`: `<dlq>/<partition>/<offset>`; re-parked replays: the DLQ topic). */
  replayOf?: string;
  /** A parked delivery's number among its key's parked deliveries (1, 2, …). */
  parkedSeq?: number;
  /** The backfill or redeliver run that wrote it. */
  backfill?: string;
}

/** The headers of the marks given (none for an empty object). */
export function deliveryMarkHeaders(marks: DeliveryMarks): Record<string, string> {
  const headers: Record<string, string> = {};
  if (marks.parkedSeq !== undefined) headers[H.parkedSeq] = String(marks.parkedSeq);
  if (marks.replayOf !== undefined) headers[H.replayOf] = marks.replayOf;
  if (marks.backfill !== undefined) headers[H.backfill] = marks.backfill;
  return headers;
}

/** The marks a delivery record carries (a parked number that is not an integer is left out). */
export function parseDeliveryMarks(headers: RecordHeaders | undefined): DeliveryMarks {
  const marks: DeliveryMarks = {};
  const replayOf = headerString(headers, H.replayOf);
  if (replayOf !== undefined) marks.replayOf = replayOf;
  const parkedSeq = headerString(headers, H.parkedSeq);
  if (parkedSeq !== undefined && Number.isInteger(Number(parkedSeq))) marks.parkedSeq = Number(parkedSeq);
  const backfill = headerString(headers, H.backfill);
  if (backfill !== undefined) marks.backfill = backfill;
  return marks;
}

/** The optional fields of a delivery and their headers; all numbers but the two text ones. */
const OPTIONAL = [
  ['firstAttemptAt', H.firstAttemptAt],
  ['notBefore', H.notBefore],
  ['rung', H.rung],
  ['traceparent', H.traceparent],
  ['orderKey', H.orderKey],
  ['enabledAt', H.enabledAt],
  ['heldSince', H.heldSince],
  ['spilled', H.spilled],
] as const satisfies ReadonlyArray<readonly [keyof Delivery, string]>;
const TEXT_FIELDS: ReadonlySet<string> = new Set(['traceparent', 'orderKey']);

/** Headers of a delivery record (and its marks); every value a string (DESIGN.md, "A delivery record"). */
export function deliveryHeaders(delivery: Delivery, marks: DeliveryMarks = {}): Record<string, string> {
  const headers: Record<string, string> = {
    [H.deliveryId]: delivery.deliveryId,
    [H.eventId]: delivery.eventId,
    [H.eventType]: delivery.eventType,
    [H.subscriptionId]: delivery.subscriptionId,
    [H.tier]: String(delivery.tier),
    [H.attempt]: String(delivery.attempt),
    [H.source]: delivery.source,
    [H.eventTime]: String(delivery.eventTime),
    [H.contentType]: delivery.contentType,
  };
  for (const [field, name] of OPTIONAL) {
    const value = delivery[field];
    if (value !== undefined) headers[name] = String(value);
  }
  return { ...headers, ...deliveryMarkHeaders(marks) };
}

/** A delivery record (keyed by subscription id, the payload as its value) for `topic`. */
export function deliveryRecord(topic: string, delivery: Delivery, marks: DeliveryMarks = {}) {
  return { topic, message: { key: delivery.subscriptionId, value: delivery.payload, headers: deliveryHeaders(delivery, marks) } };
}

const REQUIRED = [H.deliveryId, H.eventId, H.eventType, H.subscriptionId, H.tier] as const;

/** Reads a delivery record; what is wrong with it when it is not one. */
export function parseDelivery(headers: RecordHeaders | undefined, value: Buffer | null): Delivery | MalformedRecord {
  const get = (name: string) => headerString(headers, name);
  const missing = REQUIRED.filter((name) => !get(name));
  if (missing.length > 0) return new MalformedRecord('delivery', `missing header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (value === null) return new MalformedRecord('delivery', 'no payload');
  const tier = Number(get(H.tier));
  if (tier !== 1 && tier !== 2 && tier !== 3) return new MalformedRecord('delivery', `bad ${H.tier} "${get(H.tier)}"`);
  const number = (name: string) => headerNumber(headers, name);
  const delivery: Delivery = {
    deliveryId: get(H.deliveryId)!,
    eventId: get(H.eventId)!,
    eventType: get(H.eventType)!,
    subscriptionId: get(H.subscriptionId)!,
    tier,
    attempt: number(H.attempt) ?? 0,
    source: get(H.source) ?? '',
    eventTime: number(H.eventTime) ?? 0,
    contentType: get(H.contentType) ?? 'application/json',
    payload: value,
  };
  for (const [field, name] of OPTIONAL) {
    const read = TEXT_FIELDS.has(field) ? get(name) : number(name);
    if (read !== undefined) Object.assign(delivery, { [field]: read });
  }
  return delivery;
}

/** A source record's place as a delivery's `source` and an invalid record's `hookrail-source` name it: `topic/partition/offset`. */
export const sourceName = (record: { topic: string; partition: number; offset: number | string }): string => `${record.topic}/${record.partition}/${record.offset}`;
