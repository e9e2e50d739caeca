import type { InvalidEvent, InvalidReason } from './types.ts';

export const MAX_DETAIL_CHARS = 500;

/** An InvalidEvent whose detail is one line of at most MAX_DETAIL_CHARS characters. */
export function invalid(reason: InvalidReason, detail: string): InvalidEvent {
  return { invalid: true, reason, detail: oneLine(detail, MAX_DETAIL_CHARS) };
}

/** Control characters (newlines included) become spaces; longer text is cut and ends in "…". */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max - 1);
  // Do not leave half of a surrogate pair at the end.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A value quoted for a detail message: JSON-quoted and cut to `max` characters. */
export function quote(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return oneLine(text, max);
}

/** What kind of JSON value this is, for messages ("an array", "a number", …). */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${typeof value}`;
  }
}
