import type { OutgoingRecord } from '../port.ts';

/** Per-record bytes a record batch adds beyond key, value and headers (varints, attributes). */
const RECORD_OVERHEAD_BYTES = 64;

const bytesOf = (value: unknown): number => {
  if (value === null || value === undefined) return 0;
  if (Buffer.isBuffer(value)) return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + bytesOf(item), 0);
  return Buffer.byteLength(String(value));
};

/**
 * The size of a record as the broker counts it against `max.message.bytes`, bounded from
 * above: key, value, every header name and value, and the record's own framing.
 */
export function outgoingRecordBytes(record: OutgoingRecord): number {
  const { key, value, headers } = record.message;
  let bytes = RECORD_OVERHEAD_BYTES + bytesOf(key) + bytesOf(value);
  for (const [name, header] of Object.entries(headers ?? {})) bytes += 8 + Buffer.byteLength(name) + bytesOf(header);
  return bytes;
}

/**
 * Outcome records above this are quarantined rather than sent: below the broker's default
 * `message.max.bytes` (1,048,588) by more than a record batch's framing.
 */
export const MAX_RECORD_BYTES = 1_000_000;
