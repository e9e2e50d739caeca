/** Every record that crosses a process boundary has one module in this folder. */
export type RecordName =
  | 'delivery'
  | 'attempt'
  | 'dead letter'
  | 'quarantine'
  | 'invalid event'
  | 'parked state'
  | 'flag'
  | 'disable'
  | 'backfill progress'
  | 'breaker state';

/**
 * Why a record read from a topic is not the record it should be. Every parser of this folder
 * returns one (never throws), so a caller decides: dead-letter it, log and skip it, show it.
 */
export class MalformedRecord {
  readonly record: RecordName;
  readonly problem: string;

  constructor(record: RecordName, problem: string) {
    this.record = record;
    this.problem = problem;
  }

  toString(): string {
    return `not a ${this.record} record: ${this.problem}`;
  }
}

/** A JSON object read from a record value, or why it is not one. */
export function jsonObject(record: RecordName, value: Buffer | string | null | undefined): Record<string, unknown> | MalformedRecord {
  if (value === null || value === undefined) return new MalformedRecord(record, 'no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    return new MalformedRecord(record, 'value is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new MalformedRecord(record, 'value is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** A finite number field of a parsed JSON object, or undefined. */
export function numberField(object: Record<string, unknown>, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The object without its undefined fields (a parsed record has no key for what it lacks). */
export function definedOnly<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
