import type { SourceRecord } from './types.ts';

type Headers = SourceRecord['headers'];

/** A header read as text: absent, present as UTF-8 text, or present but not valid UTF-8. */
export type HeaderText =
  | { kind: 'absent' }
  | { kind: 'text'; name: string; text: string }
  | { kind: 'not-utf8'; name: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads header `name`: the exact name first, else the first header whose name matches
 * case-insensitively (producers write "Content-Type" as often as "content-type"). A repeated
 * header gives its first value. Never throws, whatever the headers object holds.
 */
export function readHeader(headers: Headers | null | undefined, name: string): HeaderText {
  const found = findHeader(headers, name);
  if (!found) return { kind: 'absent' };
  const [actualName, raw] = found;
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first === 'string') return { kind: 'text', name: actualName, text: first };
  if (first instanceof Uint8Array) {
    try {
      return { kind: 'text', name: actualName, text: utf8.decode(first) };
    } catch {
      return { kind: 'not-utf8', name: actualName };
    }
  }
  return { kind: 'absent' };
}

/** The header's text, or undefined when it is absent or not UTF-8. */
export function headerText(headers: Headers | null | undefined, name: string): string | undefined {
  const header = readHeader(headers, name);
  return header.kind === 'text' ? header.text : undefined;
}

/** True when some header name starts with `prefix` (case-insensitive). */
export function hasHeaderWithPrefix(headers: Headers | null | undefined, prefix: string): boolean {
  if (!isObject(headers)) return false;
  const lower = prefix.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase().startsWith(lower));
}

function findHeader(headers: Headers | null | undefined, name: string): [string, unknown] | undefined {
  if (!isObject(headers)) return undefined;
  if (Object.hasOwn(headers, name) && headers[name] !== undefined) return [name, headers[name]];
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower && headers[key] !== undefined) return [key, headers[key]];
  }
  return undefined;
}

function isObject(value: unknown): value is Headers {
  return typeof value === 'object' && value !== null;
}
