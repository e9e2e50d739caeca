import type { IHeaders } from 'kafkajs';
import type { Tier } from './config/base.ts';
import { H, headerString } from './headers.ts';

/** One event for one subscription, as it travels through tier, retry and DLQ topics. */
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

/** Headers of a delivery record; every value a string (DESIGN.md, "A delivery record"). */
export function deliveryHeaders(delivery: Delivery): Record<string, string> {
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
  if (delivery.firstAttemptAt !== undefined) headers[H.firstAttemptAt] = String(delivery.firstAttemptAt);
  if (delivery.notBefore !== undefined) headers[H.notBefore] = String(delivery.notBefore);
  if (delivery.rung !== undefined) headers[H.rung] = String(delivery.rung);
  if (delivery.traceparent !== undefined) headers[H.traceparent] = delivery.traceparent;
  if (delivery.orderKey !== undefined) headers[H.orderKey] = delivery.orderKey;
  if (delivery.enabledAt !== undefined) headers[H.enabledAt] = String(delivery.enabledAt);
  if (delivery.heldSince !== undefined) headers[H.heldSince] = String(delivery.heldSince);
  if (delivery.spilled !== undefined) headers[H.spilled] = String(delivery.spilled);
  return headers;
}

/** Reads a delivery record; a description of what is wrong if it is not one. */
export function parseDelivery(headers: IHeaders | undefined, value: Buffer | null): Delivery | string {
  const get = (name: string) => headerString(headers, name);
  const required = [H.deliveryId, H.eventId, H.eventType, H.subscriptionId, H.tier] as const;
  const missing = required.filter((name) => !get(name));
  if (missing.length > 0) return `missing header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  if (value === null) return 'no payload';
  const tier = Number(get(H.tier));
  if (tier !== 1 && tier !== 2 && tier !== 3) return `bad ${H.tier} "${get(H.tier)}"`;
  const number = (name: string) => {
    const text = get(name);
    return text === undefined || text === '' || !Number.isFinite(Number(text)) ? undefined : Number(text);
  };
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
  const firstAttemptAt = number(H.firstAttemptAt);
  if (firstAttemptAt !== undefined) delivery.firstAttemptAt = firstAttemptAt;
  const notBefore = number(H.notBefore);
  if (notBefore !== undefined) delivery.notBefore = notBefore;
  const rung = number(H.rung);
  if (rung !== undefined) delivery.rung = rung;
  const enabledAt = number(H.enabledAt);
  if (enabledAt !== undefined) delivery.enabledAt = enabledAt;
  const heldSince = number(H.heldSince);
  if (heldSince !== undefined) delivery.heldSince = heldSince;
  const spilled = number(H.spilled);
  if (spilled !== undefined) delivery.spilled = spilled;
  const traceparent = get(H.traceparent);
  if (traceparent !== undefined) delivery.traceparent = traceparent;
  const orderKey = get(H.orderKey);
  if (orderKey !== undefined) delivery.orderKey = orderKey;
  return delivery;
}
