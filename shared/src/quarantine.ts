import { createHash } from 'node:crypto';
import { H } from './headers.ts';
import type { OutgoingRecord } from './kafka/port.ts';

/** How much of an unwritable record's value a quarantine record keeps. */
export const QUARANTINE_VALUE_BYTES = 64 * 1024;

/** Headers of a quarantine record (one home for the format: router and deliverer use it). */
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

/**
 * A record that takes the place of one the broker will never accept (too large, invalid): the
 * reason, where it was going, the consumed record it came from, its size, the SHA-256 of its
 * value and the value cut to fit. One poison record never blocks others or loops a process.
 */
export function quarantineRecord(
  record: OutgoingRecord,
  options: {
    topic: string;
    reason: string;
    consumed: { topic: string; partition: number; offset: number };
    bytes: number;
    /** Extra headers the receiving topic's readers expect (e.g. `hookrail-error`). */
    headers?: Record<string, string>;
  },
): OutgoingRecord {
  const value = record.message.value === null || record.message.value === undefined ? null : Buffer.from(record.message.value);
  const copied: Record<string, string | Buffer> = {};
  let headerBytes = 0;
  for (const [name, header] of Object.entries(record.message.headers ?? {})) {
    const first = Array.isArray(header) ? header[0] : header;
    if (first === undefined) continue;
    headerBytes += name.length + Buffer.byteLength(first);
    copied[name] = first;
  }
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
        [H.originalTopic]: options.consumed.topic,
        [H.originalPartition]: String(options.consumed.partition),
        [H.originalOffset]: String(options.consumed.offset),
      },
    },
  };
}
