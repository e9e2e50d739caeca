import {
  deliveryId,
  deliveryRecord,
  headerString,
  invalidEventRecord,
  type MatchIndex,
  orderKeyOf,
  type OutgoingRecord,
  sourceName,
  type TopicNames,
} from '@hookrail/shared';
import type { DecodedEvent, InvalidEvent, SourceRecord } from './decode/types.ts';

/**
 * One delivery record per matching subscription, to the subscription's tier topic, keyed by
 * subscription id (its retries and dead letters keep that key). Pure: the router's loop
 * sends what this returns.
 */
export function fanOut(
  event: DecodedEvent,
  record: SourceRecord,
  subscriptions: Pick<MatchIndex, 'match'>,
  topics: TopicNames,
): OutgoingRecord[] {
  const traceparent = w3cTraceparent(headerString(record.headers, 'traceparent') ?? headerString(record.headers, 'ce_traceparent'));
  return subscriptions.match({ type: event.type, topic: record.topic }).map((subscription) =>
    deliveryRecord(topics.tier(subscription.tier), {
      deliveryId: deliveryId(event.id, subscription.id),
      eventId: event.id,
      eventType: event.type,
      subscriptionId: subscription.id,
      tier: subscription.tier,
      attempt: 0,
      source: event.source,
      eventTime: event.time,
      contentType: event.contentType,
      payload: event.payload,
      ...(traceparent === undefined ? {} : { traceparent }),
      ...(subscription.ordered ? { orderKey: orderKeyOf(subscription.ordered, event.payload, record.headers) } : {}),
    }),
  );
}

/**
 * A W3C trace context (version 00: 55 characters) or nothing: anything else is not passed on,
 * which also keeps the header within the size bound of shared/src/topics/record-size.ts.
 */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
export function w3cTraceparent(value: string | undefined): string | undefined {
  return value !== undefined && TRACEPARENT.test(value.trim()) ? value.trim() : undefined;
}

/** The source record as it came, plus why it could not be routed: for the invalid topic. */
export function invalidRecord(invalid: InvalidEvent, record: SourceRecord, topics: TopicNames): OutgoingRecord {
  return invalidEventRecord(topics.invalid, record, { reason: invalid.reason, detail: invalid.detail, source: sourceName(record) });
}
