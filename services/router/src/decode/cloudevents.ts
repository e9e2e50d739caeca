// CloudEvents 1.0 over Kafka (the Kafka protocol binding):
// - structured mode: content-type application/cloudevents+json, the value is the JSON envelope;
//   the whole envelope is POSTed (content type application/cloudevents+json);
// - binary mode: attributes in ce_* headers (ce_specversion marks the mode), the value is the
//   event data; the data is POSTed (application/json).

import { checkId, checkType } from './attributes.ts';
import { readHeader } from './headers.ts';
import { describeJsonType, invalid, quote } from './invalid.ts';
import { parseJsonBytes } from './json-text.ts';
import { parseIsoTime } from './time.ts';
import type { DecodedEvent, InvalidEvent, SourceRecord } from './types.ts';

export const CE_SPECVERSION = '1.0';
export const CE_CONTENT_TYPE = 'application/cloudevents+json';
export const SPECVERSION_HEADER = 'ce_specversion';

/** The media type of a content-type value: lower case, parameters dropped. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Any application/cloudevents… content type marks structured mode (JSON or not, batch or not). */
export function isStructuredMode(contentType: string | undefined): boolean {
  return contentType !== undefined && mediaType(contentType).startsWith('application/cloudevents');
}

/** application/json, text/json, and any …/…+json. */
export function isJsonMediaType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || type === 'text/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]*\+json$/.test(type);
}

/** Binary mode is marked by the ce_specversion header. */
export function isBinaryMode(record: SourceRecord): boolean {
  return readHeader(record.headers, SPECVERSION_HEADER).kind !== 'absent';
}

/** The event time attribute: RFC 3339 (a full date-time with an offset) or undefined. */
function checkTime(value: unknown, where: string): { ok: true; value: number | undefined } | { ok: false; problem: string } {
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== 'string') return { ok: false, problem: `${where} is ${describeJsonType(value)}, expected an RFC 3339 timestamp` };
  const time = parseIsoTime(value, { rfc3339: true });
  return time === undefined
    ? { ok: false, problem: `${where} ${quote(value)} is not an RFC 3339 timestamp (e.g. 2024-05-01T10:00:00Z)` }
    : { ok: true, value: time };
}

/** Structured mode: the value is a JSON CloudEvent envelope. */
export function decodeStructured(
  value: Buffer,
  contentType: string,
  fallbackTime: number,
  source: string,
): DecodedEvent | InvalidEvent {
  const type = mediaType(contentType);
  if (type !== CE_CONTENT_TYPE) {
    const why = type.includes('batch')
      ? 'batched CloudEvents are not supported by the Kafka binding; produce one event per record'
      : 'only the JSON event format (application/cloudevents+json) is supported';
    return invalid('undecodable', `structured CloudEvent with content-type ${quote(contentType)}: ${why}`);
  }
  const parsed = parseJsonBytes(value, 'structured CloudEvent');
  if ('invalid' in parsed) return parsed;
  const envelope = parsed.value;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return invalid('not-an-object', `structured CloudEvent is ${describeJsonType(envelope)}, expected a JSON object (the event envelope)`);
  }
  const attributes = envelope as Record<string, unknown>;
  const attribute = (name: string): unknown => (Object.hasOwn(attributes, name) ? attributes[name] : undefined);

  const specversion = attribute('specversion');
  if (specversion === undefined) return invalid('invalid-cloudevent', "structured CloudEvent is missing the required attribute 'specversion'");
  if (specversion !== CE_SPECVERSION) {
    return invalid('invalid-cloudevent', `structured CloudEvent has specversion ${quote(specversion)}; only "${CE_SPECVERSION}" is supported`);
  }
  for (const name of ['id', 'source', 'type'] as const) {
    if (attribute(name) === undefined || attribute(name) === null) {
      return invalid('invalid-cloudevent', `structured CloudEvent is missing the required attribute '${name}'`);
    }
  }
  const id = typeof attribute('id') === 'string' ? checkId(attribute('id'), "attribute 'id'") : notString("attribute 'id'", attribute('id'));
  if (!id.ok) return invalid('invalid-cloudevent', `structured CloudEvent: ${id.problem}`);
  const eventType = checkType(attribute('type'), "attribute 'type'");
  if (!eventType.ok) return invalid('invalid-cloudevent', `structured CloudEvent: ${eventType.problem}`);
  const ceSource = attribute('source');
  if (typeof ceSource !== 'string' || ceSource.length === 0) {
    return invalid('invalid-cloudevent', `structured CloudEvent: attribute 'source' must be a non-empty string, got ${quote(ceSource)}`);
  }
  const time = checkTime(attribute('time'), "attribute 'time'");
  if (!time.ok) return invalid('invalid-cloudevent', `structured CloudEvent: ${time.problem}`);
  if (attribute('data') !== undefined && attribute('data_base64') !== undefined) {
    return invalid('invalid-cloudevent', "structured CloudEvent has both 'data' and 'data_base64'");
  }
  return {
    id: id.value,
    type: eventType.value,
    time: time.value ?? fallbackTime,
    payload: parsed.bytes,
    contentType: CE_CONTENT_TYPE,
    format: 'cloudevents-structured',
    source,
  };
}

function notString(where: string, value: unknown): { ok: false; problem: string } {
  return { ok: false, problem: `${where} is ${describeJsonType(value)}, expected a string` };
}

/** Binary-mode event data turned into JSON bytes (plain JSON, or through the schema registry). */
export type DataDecoder = (value: Buffer, contentType: string | undefined) => Promise<Buffer | InvalidEvent>;

/** Binary mode: attributes from ce_* headers, the value is the data. */
export async function decodeBinary(
  record: SourceRecord,
  value: Buffer,
  fallbackTime: number,
  source: string,
  decodeData: DataDecoder,
): Promise<DecodedEvent | InvalidEvent> {
  const attributes = new Map<string, string>();
  for (const name of ['specversion', 'id', 'source', 'type', 'time'] as const) {
    const header = readHeader(record.headers, `ce_${name}`);
    if (header.kind === 'not-utf8') return invalid('invalid-cloudevent', `header ${quote(header.name)} is not valid UTF-8`);
    if (header.kind === 'text') attributes.set(name, header.text);
  }
  const specversion = attributes.get('specversion');
  if (specversion !== CE_SPECVERSION) {
    return invalid('invalid-cloudevent', `header ce_specversion is ${quote(specversion ?? '')}; only "${CE_SPECVERSION}" is supported`);
  }
  for (const name of ['id', 'source', 'type'] as const) {
    if (!attributes.has(name)) return invalid('invalid-cloudevent', `binary-mode CloudEvent is missing the required header ce_${name}`);
  }
  const id = checkId(attributes.get('id'), 'header ce_id');
  if (!id.ok) return invalid('invalid-cloudevent', id.problem);
  const eventType = checkType(attributes.get('type'), 'header ce_type');
  if (!eventType.ok) return invalid('invalid-cloudevent', eventType.problem);
  if ((attributes.get('source') ?? '').length === 0) return invalid('invalid-cloudevent', 'header ce_source is empty');
  const time = checkTime(attributes.get('time'), 'header ce_time');
  if (!time.ok) return invalid('invalid-cloudevent', time.problem);

  const contentTypeHeader = readHeader(record.headers, 'content-type');
  const contentType = contentTypeHeader.kind === 'text' ? contentTypeHeader.text : undefined;
  const data = await decodeData(value, contentType);
  if ('invalid' in data) return data;
  return {
    id: id.value,
    type: eventType.value,
    time: time.value ?? fallbackTime,
    payload: data,
    contentType: 'application/json',
    format: 'cloudevents-binary',
    source,
  };
}
