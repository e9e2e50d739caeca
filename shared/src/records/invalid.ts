import { firstHeaderValues, H, headerString, type RecordHeaders } from './headers.ts';
import { MalformedRecord } from './malformed.ts';

/** Why the router could not route a source record (`<prefix>.invalid`), beside the record as it came. */
export interface InvalidCause {
  /** decode reasons (`not-json`, `oversize`, …), `internal` (the router threw) or `unwritable` (a quarantine record). */
  reason: string;
  detail: string;
  /** The source record: `topic/partition/offset`. */
  source: string;
}

/** The headers an invalid record adds to the source record's own. */
export function invalidHeaders(cause: InvalidCause): Record<string, string> {
  return { [H.invalidReason]: cause.reason, [H.invalidDetail]: cause.detail.slice(0, 1_000), [H.source]: cause.source };
}

/** The source record as it came, plus why it could not be routed. */
export function invalidEventRecord(
  topic: string,
  record: { key: Buffer | string | null; value: Buffer | string | null; headers?: RecordHeaders | undefined },
  cause: InvalidCause,
) {
  return { topic, message: { key: record.key, value: record.value, headers: { ...firstHeaderValues(record.headers), ...invalidHeaders(cause) } } };
}

/** Reads an invalid record's cause. */
export function parseInvalid(headers: RecordHeaders | undefined): InvalidCause | MalformedRecord {
  const reason = headerString(headers, H.invalidReason);
  const source = headerString(headers, H.source);
  if (reason === undefined || source === undefined) return new MalformedRecord('invalid event', `no ${H.invalidReason} or ${H.source} header`);
  return { reason, detail: headerString(headers, H.invalidDetail) ?? '', source };
}
