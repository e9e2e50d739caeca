// Source records exactly as KafkaJS hands them to a consumer, without a broker: messages are
// encoded into a Kafka RecordBatch (v2 format) with KafkaJS's own encoder and read back with
// the decoder its consumer runs on fetch responses. So headers arrive as Buffers, a repeated
// header as an array, a null value as null, offsets and timestamps as strings.

import { createRequire } from 'node:module';
import type { SourceRecord } from '../src/decode/types.ts';

const require = createRequire(import.meta.url);

interface KafkaEncoder {
  buffer: Buffer;
}
type RecordEncoderFn = (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[]>;
}) => unknown;
type RecordBatchFn = (batch: { firstOffset: unknown; firstTimestamp: number; maxTimestamp: number; lastOffsetDelta: number; records: unknown[] }) => Promise<KafkaEncoder>;
interface DecodedBatch {
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: SourceRecord['headers'] }[];
}

const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as RecordEncoderFn;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: RecordBatchFn };
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<DecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromString(text: string): unknown };

export interface TestMessage {
  key?: Buffer | string | null;
  value: Buffer | string | object | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
  /** Epoch ms (default 1_700_000_000_000). */
  timestamp?: number;
}

export interface Where {
  topic?: string;
  partition?: number;
  /** Offset of the first message (default 41). */
  firstOffset?: string;
}

/** The messages as KafkaJS delivers them from a fetch (one record batch). */
export async function kafkaRecords(messages: readonly TestMessage[], where: Where = {}): Promise<SourceRecord[]> {
  const firstTimestamp = messages[0]?.timestamp ?? 1_700_000_000_000;
  const records = messages.map((message, index) =>
    Record({
      offsetDelta: index,
      timestampDelta: (message.timestamp ?? firstTimestamp) - firstTimestamp,
      key: toBytes(message.key ?? null),
      value: toBytes(message.value),
      headers: message.headers ?? {},
    }),
  );
  const timestamps = messages.map((message) => message.timestamp ?? firstTimestamp);
  const batch = await RecordBatch({
    firstOffset: Long.fromString(where.firstOffset ?? '41'),
    firstTimestamp,
    maxTimestamp: Math.max(firstTimestamp, ...timestamps),
    lastOffsetDelta: Math.max(0, messages.length - 1),
    records,
  });
  const decoded = await decodeRecordBatch(new Decoder(batch.buffer));
  return decoded.records.map((record) => ({
    topic: where.topic ?? 'crm.events',
    partition: where.partition ?? 3,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
  }));
}

/** One message as KafkaJS delivers it. */
export async function kafkaRecord(message: TestMessage, where: Where = {}): Promise<SourceRecord> {
  const [record] = await kafkaRecords([message], where);
  if (!record) throw new Error('no record decoded');
  return record;
}

function toBytes(value: Buffer | string | object | null): Buffer | null {
  if (value === null) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}
