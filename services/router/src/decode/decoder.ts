// The router's event decoder: one source record in, the event (id, type, time, the JSON to POST)
// or the precise reason there is none. Formats, in the order they are recognised:
//   1. content-type application/cloudevents… → CloudEvents structured mode
//   2. a ce_specversion header               → CloudEvents binary mode
//   3. first byte 0x00                       → Confluent wire format (schema registry)
//   4. anything else                         → plain JSON
// decode() never rejects because of what the record holds; only programming errors throw.

import { DEFAULT_MAX_PAYLOAD_BYTES, sourceName } from '@hookrail/shared';
import { isBinaryMode, decodeBinary, decodeStructured, isJsonMediaType, isStructuredMode, type DataDecoder } from './cloudevents.ts';
import { confluentSchemaId, createConfluentDecoder, MAGIC_BYTE, type ConfluentDecoder } from './confluent.ts';
import { readHeader } from './headers.ts';
import { invalid, quote } from './invalid.ts';
import { eventFromJson, type JsonEventRules } from './json-event.ts';
import { compilePath } from './json-path.ts';
import { stringifyJsonSafe } from './json-safe.ts';
import { hexPreview, parseJsonBytes } from './json-text.ts';
import { recordTime } from './time.ts';
import type { DecodeResult, Decoder, DecoderOptions, InvalidEvent, SourceRecord } from './types.ts';

// The router's default, shared so decoder and config agree (see shared/src/topics/record-size.ts).
export { DEFAULT_MAX_PAYLOAD_BYTES };

/** Builds a decoder; throws on invalid options (configuration errors surface at startup). */
export function createDecoder(options: DecoderOptions = {}): Decoder {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new TypeError(`maxPayloadBytes must be a positive whole number, got ${String(maxPayloadBytes)}`);
  }
  for (const name of ['idHeader', 'typeHeader'] as const) {
    const header = options[name];
    if (header !== undefined && (typeof header !== 'string' || header.length === 0)) {
      throw new TypeError(`${name} must be a non-empty header name, got ${JSON.stringify(header)}`);
    }
  }
  const rules: JsonEventRules = {
    idHeader: options.idHeader,
    typeHeader: options.typeHeader,
    idPath: compilePath(options.idPath ?? 'id'),
    typePath: compilePath(options.typePath ?? 'type'),
    timePath: compilePath(options.timePath ?? 'time'),
  };
  const confluent = options.schemaRegistry ? createConfluentDecoder(options.schemaRegistry) : undefined;

  const oversize = (bytes: number, what: string): InvalidEvent =>
    invalid('oversize', `${what} is ${bytes} bytes, larger than the limit of ${maxPayloadBytes} bytes`);

  /** A Confluent-framed value the decoder cannot read: no registry, or too short for the header. */
  function unframeable(value: Buffer, what: string): InvalidEvent | undefined {
    if (value[0] !== MAGIC_BYTE) return undefined;
    const schemaId = confluentSchemaId(value);
    if (schemaId === undefined) {
      return invalid(
        'undecodable',
        `${what} starts with byte 0x00 but is too short for the Confluent wire format (magic byte + 4-byte schema id): ${hexPreview(value)}`,
      );
    }
    if (!confluent) {
      return invalid('undecodable', `Confluent-framed payload (schema id ${schemaId}) but no schema registry is configured`);
    }
    return undefined;
  }

  /** A Confluent-framed value decoded to its JSON tree and the bytes to POST. */
  async function decodeFramed(
    decoder: ConfluentDecoder,
    value: Buffer,
    schemaId: number,
  ): Promise<{ tree: unknown; payload: Buffer; format: 'confluent-avro' | 'confluent-json' | 'confluent-protobuf' } | InvalidEvent> {
    const decoded = await decoder.decode(value, schemaId);
    if ('invalid' in decoded) return decoded;
    const payload = decoded.jsonBytes ?? Buffer.from(stringifyJsonSafe(decoded.value), 'utf8');
    if (payload.length > maxPayloadBytes) return oversize(payload.length, `decoded ${decoded.format} record as JSON`);
    return { tree: decoded.value, payload, format: decoded.format };
  }

  const decodeCloudEventData: DataDecoder = async (value, contentType) => {
    const schemaId = confluentSchemaId(value);
    if (confluent && schemaId !== undefined) {
      const framed = await decodeFramed(confluent, value, schemaId);
      return 'invalid' in framed ? framed : framed.payload;
    }
    if (contentType !== undefined && !isJsonMediaType(contentType)) {
      return (
        unframeable(value, 'CloudEvent data') ??
        invalid(
          'undecodable',
          `CloudEvent data has content-type ${quote(contentType)}; only JSON data (application/json, */*+json) can be delivered`,
        )
      );
    }
    const parsed = parseJsonBytes(value, 'CloudEvent data');
    if ('invalid' in parsed) return unframeable(value, 'CloudEvent data') ?? parsed;
    return parsed.bytes;
  };

  async function decode(record: SourceRecord): Promise<DecodeResult> {
    const raw: unknown = record.value;
    if (raw === null || raw === undefined) return invalid('empty', 'record value is null (a tombstone or an empty message)');
    if (!(raw instanceof Uint8Array)) {
      throw new TypeError(`SourceRecord.value must be a Buffer or null, got ${typeof raw}`);
    }
    const value = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (value.length === 0) return invalid('empty', 'record value is empty (0 bytes)');
    if (value.length > maxPayloadBytes) return oversize(value.length, 'record value');

    const source = sourceName(record);
    const fallbackTime = recordTime(record.timestamp);

    const contentType = readHeader(record.headers, 'content-type');
    if (contentType.kind === 'text' && isStructuredMode(contentType.text)) {
      return decodeStructured(value, contentType.text, fallbackTime, source);
    }
    if (isBinaryMode(record)) {
      return decodeBinary(record, value, fallbackTime, source, decodeCloudEventData);
    }

    const schemaId = confluentSchemaId(value);
    if (confluent && schemaId !== undefined) {
      const framed = await decodeFramed(confluent, value, schemaId);
      if ('invalid' in framed) return framed;
      return eventFromJson(framed.tree, framed.payload, record, rules, framed.format, fallbackTime, source);
    }
    const cannotFrame = unframeable(value, 'record value');
    if (cannotFrame) return cannotFrame;

    const parsed = parseJsonBytes(value, 'record value');
    if ('invalid' in parsed) return parsed;
    return eventFromJson(parsed.value, parsed.bytes, record, rules, 'json', fallbackTime, source);
  }

  return { decode };
}

