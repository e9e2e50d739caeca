import { invalid } from './invalid.ts';
import type { InvalidEvent } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf] as const;

export interface ParsedJson {
  value: unknown;
  /** The bytes that were parsed, a leading UTF-8 byte-order mark removed: safe to POST as is. */
  bytes: Buffer;
}

/**
 * Strict UTF-8 then JSON.parse. The bytes are kept (not re-serialized) so large numbers and
 * key order reach receivers exactly as the producer wrote them.
 * `what` names the bytes in details ("record value", "CloudEvent data").
 */
export function parseJsonBytes(raw: Buffer, what: string): ParsedJson | InvalidEvent {
  const bytes = raw[0] === BOM[0] && raw[1] === BOM[1] && raw[2] === BOM[2] ? raw.subarray(3) : raw;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return invalid('not-utf8', `${what} is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8(bytes)}; ${hexPreview(raw)})`);
  }
  try {
    return { value: JSON.parse(text), bytes };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return invalid('invalid-json', `${what} is not valid JSON: ${message}`);
  }
}

/** The first bytes as hex, for details about binary junk. */
export function hexPreview(bytes: Uint8Array, count = 16): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, count)).toString('hex');
  const spaced = head.replace(/(..)(?=.)/g, '$1 ');
  return `${bytes.length} bytes starting ${spaced}${bytes.length > count ? ' …' : ''}`;
}

/** Offset of the first byte that breaks UTF-8, for the detail message. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    try {
      utf8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return i;
}
