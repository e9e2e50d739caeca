/**
 * Header names of delivery, retry, parked, DLQ and invalid records (DESIGN.md, "A delivery
 * record"). Only the record modules of this folder read or write them.
 */
export const H = {
  deliveryId: 'hookrail-delivery-id',
  eventId: 'hookrail-event-id',
  eventType: 'hookrail-event-type',
  subscriptionId: 'hookrail-subscription-id',
  tier: 'hookrail-tier',
  attempt: 'hookrail-attempt',
  firstAttemptAt: 'hookrail-first-attempt-at',
  notBefore: 'hookrail-not-before',
  rung: 'hookrail-rung',
  source: 'hookrail-source',
  eventTime: 'hookrail-event-time',
  contentType: 'content-type',
  traceparent: 'traceparent',
  /** Ordered subscriptions: the event's ordering key (`subscriptions/order-key.ts`). */
  orderKey: 'hookrail-order-key',
  /** On a delivery `hookrail dlq replay` sent back: the dead letter it came from. */
  replayOf: 'hookrail-replay-of',
  /** Set on deliveries `subscriptions enable --replay-since` sends back: when it enabled the subscription. */
  enabledAt: 'hookrail-enabled-at',
  /** On a parked delivery: its sequence number among its key's parked deliveries (1, 2, …). */
  parkedSeq: 'hookrail-parked-seq',
  /** On a backfill or redeliver delivery: the run it came from (`<kind>-<subscription>-<start>`). */
  backfill: 'hookrail-backfill',
  /** Epoch ms the receiver protection first held this delivery back without a request (its horizon starts here when no attempt was made). */
  heldSince: 'hookrail-held-since',
  /** Times this delivery left its lane unattempted because its destination was saturated (spilled to a delay topic). */
  spilled: 'hookrail-spilled',
  // DLQ records
  error: 'hookrail-error',
  status: 'hookrail-status',
  errorDetail: 'hookrail-error-detail',
  lastAttemptAt: 'hookrail-last-attempt-at',
  originalTopic: 'hookrail-original-topic',
  originalPartition: 'hookrail-original-partition',
  originalOffset: 'hookrail-original-offset',
  // invalid records
  invalidReason: 'hookrail-invalid-reason',
  invalidDetail: 'hookrail-invalid-detail',
} as const;

/** Record headers as a Kafka client hands them over (structurally KafkaJS's IHeaders). */
export type RecordHeaders = { [name: string]: Buffer | string | Array<Buffer | string> | undefined };

/** A header's value as a string (the first, if repeated), or undefined. */
export function headerString(headers: RecordHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Every header as a string (first value of repeated ones): easier to copy and compare. */
export function headersToStrings(headers: RecordHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerString(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Every header with its first value, as bytes or text as it came (a record copied on). */
export function firstHeaderValues(headers: RecordHeaders | undefined): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first;
  }
  return out;
}

/** A header holding a finite number, or undefined (absent, empty or not a number). */
export function headerNumber(headers: RecordHeaders | undefined, name: string): number | undefined {
  const text = headerString(headers, name);
  return text === undefined || text === '' || !Number.isFinite(Number(text)) ? undefined : Number(text);
}
