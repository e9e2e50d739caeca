import { createHash } from 'node:crypto';
import { originHeaders, parseOrigin, type Origin } from './dead-letter.ts';
import { firstHeaderValues, headerNumber, headerString, type RecordHeaders } from './headers.ts';
import { MalformedRecord } from './malformed.ts';

/** How much of an unwritable record's value a quarantine record keeps. */
export const QUARANTINE_VALUE_BYTES = 64 * 1024;

/** Headers of a quarantine record. */
export const QUARANTINE_HEADERS = {
  reason: 'hookrail-quarantine-reason',
  /** The topic the unwritable record was meant for. */
  topic: 'hookrail-quarantine-topic',
  bytes: 'hookrail-quarantine-bytes',
  sha256: 'hookrail-quarantine-sha256',
  truncated: 'hookrail-quarantine-truncated',
} as const;

/** Headers copied from the unwritable record when they are this small in total. */
const MAX_COPIED_HEADER_BYTES = 8 * 1024;

interface UnwritableRecord {
  topic: string;
  message: { key?: Buffer | string | null; value: Buffer | string | null; headers?: RecordHeaders | undefined };
}

/**
 * A record that takes the place of one the broker will never accept (too large, invalid): the
 * reason, where it was going, the consumed record it came from, its size, the SHA-256 of its
 * value and the value cut to fit. One poison record never blocks others or loops a process.
 * Router (invalid topic) and deliverer (DLQ) write it.
 */
export function quarantineRecord(
  record: UnwritableRecord,
  options: {
    topic: string;
    reason: string;
    consumed: { topic: string; partition: number; offset: number };
    bytes: number;
    /** Headers the receiving topic's readers expect (a dead letter's, an invalid event's). */
    headers?: Record<string, string>;
  },
): { topic: string; message: { key: Buffer | string | null; value: Buffer | null; headers: Record<string, string | Buffer> } } {
  const value = record.message.value === null || record.message.value === undefined ? null : Buffer.from(record.message.value);
  const copied = firstHeaderValues(record.message.headers);
  const headerBytes = Object.entries(copied).reduce((sum, [name, header]) => sum + name.length + Buffer.byteLength(header), 0);
  return {
    topic: options.topic,
    message: {
      key: record.message.key ?? null,
      value: value ? value.subarray(0, QUARANTINE_VALUE_BYTES) : null,
      headers: {
        ...(headerBytes <= MAX_COPIED_HEADER_BYTES ? copied : {}),
        ...options.headers,
        [QUARANTINE_HEADERS.reason]: options.reason.slice(0, 1_000),
        [QUARANTINE_HEADERS.topic]: record.topic,
        [QUARANTINE_HEADERS.bytes]: String(options.bytes),
        [QUARANTINE_HEADERS.sha256]: value ? createHash('sha256').update(value).digest('hex') : '',
        [QUARANTINE_HEADERS.truncated]: String(value !== null && value.length > QUARANTINE_VALUE_BYTES),
        ...originHeaders(consumedOrigin(options.consumed)),
      },
    },
  };
}

/** The consumed record's place as dead letters and quarantine records name it. */
export const consumedOrigin = (consumed: { topic: string; partition: number; offset: number }): Origin => ({
  topic: consumed.topic,
  partition: consumed.partition,
  offset: String(consumed.offset),
});

/** A quarantine record as read. */
export interface Quarantined {
  reason: string;
  /** The topic the unwritable record was meant for. */
  topic: string;
  /** Its size, and the SHA-256 of its whole value ('' without one). */
  bytes: number;
  sha256: string;
  /** True when the value kept was cut to QUARANTINE_VALUE_BYTES. */
  truncated: boolean;
  /** The consumed record whose outcome it was. */
  origin: Origin;
}

/** Reads a quarantine record's headers; malformed when one of them is missing. */
export function parseQuarantine(headers: RecordHeaders | undefined): Quarantined | MalformedRecord {
  const reason = headerString(headers, QUARANTINE_HEADERS.reason);
  const topic = headerString(headers, QUARANTINE_HEADERS.topic);
  const bytes = headerNumber(headers, QUARANTINE_HEADERS.bytes);
  const sha256 = headerString(headers, QUARANTINE_HEADERS.sha256);
  const truncated = headerString(headers, QUARANTINE_HEADERS.truncated);
  const origin = parseOrigin(headers);
  if (reason === undefined || topic === undefined || bytes === undefined || sha256 === undefined || origin === undefined) {
    return new MalformedRecord('quarantine', 'missing quarantine or original-record headers');
  }
  if (truncated !== 'true' && truncated !== 'false') return new MalformedRecord('quarantine', `bad ${QUARANTINE_HEADERS.truncated} "${truncated}"`);
  return { reason, topic, bytes, sha256, truncated: truncated === 'true', origin };
}
