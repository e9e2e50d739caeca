import { describeJsonType, quote } from './invalid.ts';

/** Longest event id and event type accepted (they travel in headers and in webhook-id). */
export const MAX_ID_CHARS = 256;
export const MAX_TYPE_CHARS = 256;

/** A checked attribute: its value, or why it is not acceptable (for the detail message). */
export type Checked = { ok: true; value: string } | { ok: false; problem: string };

/**
 * An event type: a non-empty string of at most MAX_TYPE_CHARS characters.
 * `where` says where it was read ("payload path 'type'", "header 'x-type'").
 */
export function checkType(value: unknown, where: string): Checked {
  if (typeof value !== 'string') return { ok: false, problem: `${where} is ${describeJsonType(value)}, expected a string` };
  return checkText(value, where, MAX_TYPE_CHARS);
}

/** An event id: a non-empty string (a finite number is turned into one) of at most MAX_ID_CHARS. */
export function checkId(value: unknown, where: string): Checked {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, problem: `${where} is a non-finite number` };
    return { ok: true, value: String(value) };
  }
  if (typeof value === 'bigint') return { ok: true, value: value.toString() };
  if (typeof value !== 'string') {
    return { ok: false, problem: `${where} is ${describeJsonType(value)}, expected a string or a number` };
  }
  return checkText(value, where, MAX_ID_CHARS);
}

function checkText(value: string, where: string, max: number): Checked {
  if (value.trim().length === 0) return { ok: false, problem: `${where} is an empty string` };
  if (value.length > max) {
    return { ok: false, problem: `${where} is ${value.length} characters long, at most ${max} allowed (starts ${quote(value, 40)})` };
  }
  return { ok: true, value };
}
