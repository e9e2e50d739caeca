import { RECORD_BATCH_HEADER_BYTES, recordBytes } from '../../topics/record-size.ts';
import type { OutgoingRecord } from '../port.ts';

/** The size of an outcome record as the broker counts it (bounded from above; `recordBytes`). */
export function outgoingRecordBytes(record: OutgoingRecord): number {
  return recordBytes({ key: record.message.key ?? null, value: record.message.value ?? null, headers: record.message.headers ?? {} });
}

/**
 * The largest outcome record a topic with this `max.message.bytes` takes alone in a batch:
 * above it the core quarantines the record instead of sending it.
 */
export function maxRecordBytesFor(maxMessageBytes: number): number {
  return maxMessageBytes - RECORD_BATCH_HEADER_BYTES;
}
