// A JSON object (plain JSON, or a Confluent-framed record decoded to JSON) made into an event:
// type and id from the configured headers or payload paths, time from the payload or the
// record, and an id derived from the record's coordinates when the event carries none.

import { checkId, checkType, type Checked } from './attributes.ts';
import { hasHeaderWithPrefix, readHeader } from './headers.ts';
import { describeJsonType, invalid, quote } from './invalid.ts';
import { valueAtPath, type JsonPath } from './json-path.ts';
import { parseEventTime } from './time.ts';
import type { DecodedEvent, EventFormat, InvalidEvent, SourceRecord } from './types.ts';

export interface JsonEventRules {
  idHeader?: string | undefined;
  typeHeader?: string | undefined;
  idPath: JsonPath;
  typePath: JsonPath;
  timePath: JsonPath;
}

/** The id used when the event has none: stable across router re-runs. */
export function derivedId(record: SourceRecord): string {
  return `${record.topic}-${record.partition}-${record.offset}`;
}

export function eventFromJson(
  tree: unknown,
  payload: Buffer,
  record: SourceRecord,
  rules: JsonEventRules,
  format: EventFormat,
  fallbackTime: number,
  source: string,
): DecodedEvent | InvalidEvent {
  const what = format === 'json' ? 'record value' : `decoded ${format} record`;
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    return invalid('not-an-object', `${what} is ${describeJsonType(tree)}, expected a JSON object`);
  }

  const type = fromHeaderOrPath(record, tree, rules.typeHeader, rules.typePath, checkType);
  if (type === undefined) {
    const hint = hasHeaderWithPrefix(record.headers, 'ce_')
      ? ' (the record has ce_* headers but no ce_specversion, so it is not read as a CloudEvent)'
      : '';
    const header = rules.typeHeader ? `no header ${quote(rules.typeHeader)} and ` : '';
    return invalid('missing-type', `no event type: ${header}no value at payload path '${rules.typePath.text}'${hint}`);
  }
  if (!type.ok) return invalid('missing-type', `no usable event type: ${type.problem}`);

  const id = fromHeaderOrPath(record, tree, rules.idHeader, rules.idPath, checkId);
  if (id !== undefined && !id.ok) return invalid('missing-id', `no usable event id: ${id.problem}`);

  return {
    id: id?.value ?? derivedId(record),
    type: type.value,
    time: parseEventTime(valueAtPath(tree, rules.timePath)) ?? fallbackTime,
    payload,
    contentType: 'application/json',
    format,
    source,
  };
}

/**
 * The attribute from the header when it is present and not empty, else from the payload path;
 * undefined when neither has it (null at the path counts as absent).
 */
function fromHeaderOrPath(
  record: SourceRecord,
  tree: object,
  headerName: string | undefined,
  path: JsonPath,
  check: (value: unknown, where: string) => Checked,
): Checked | undefined {
  if (headerName) {
    const header = readHeader(record.headers, headerName);
    if (header.kind === 'not-utf8') return { ok: false, problem: `header ${quote(header.name)} is not valid UTF-8` };
    if (header.kind === 'text' && header.text.trim().length > 0) return check(header.text, `header ${quote(header.name)}`);
  }
  const value = valueAtPath(tree, path);
  if (value === undefined || value === null) return undefined;
  return check(value, `payload path '${path.text}'`);
}
