import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RecordHeaders } from '../records/headers.ts';
import { headerString } from '../records/headers.ts';
import { compilePath, valueAtPath, type JsonPath } from '../json-path.ts';

/**
 * Per-key ordering of a subscription: `ordered: { key, onDeadLetter }`. The key is where an
 * event's ordering key is: a JSON path into the payload (`$.customer.id`, `$.lines[0].sku`) or
 * a header of the source record (`header:partition-key`). Events with the same key are
 * delivered one at a time, in the order they were routed, across retries.
 */

/** `$` then `.name` or `[index]` steps: the small JSON-path subset a key needs. */
const JSON_PATH = /^\$((\.[A-Za-z_$][A-Za-z0-9_$-]*)|(\[\d+\]))+$/;
const HEADER_KEY = /^header:[!-~]{1,249}$/;

export const ORDER_KEY_HELP =
  'expected a JSON path into the payload ("$.customer.id", "$.lines[0].sku") or a source header ("header:partition-key")';

/** The old `ordered: true` limited requests in flight and retries reordered: explained, not accepted. */
export const OLD_ORDERED_HELP =
  "ordered: true was removed: it only allowed one request in flight and retries overtook later events. " +
  "For per-key order across retries use ordered: { key: '$.customer.id' } (a JSON path, or 'header:NAME'); " +
  'for one request at a time without ordering use maxInFlight: 1';

export const orderedSchema = z.strictObject(
  {
    key: z.string().refine((key) => JSON_PATH.test(key) || HEADER_KEY.test(key), { error: ORDER_KEY_HELP }),
    /**
     * After a key's head is dead-lettered: `continue` delivers the rest of the key's queue;
     * `park` dead-letters them too (`hookrail-error: parked`) until an operator replays them.
     */
    onDeadLetter: z.enum(['continue', 'park'], { error: 'expected "continue" or "park"' }).default('continue'),
  },
  { error: (issue) => (issue.input === true ? OLD_ORDERED_HELP : 'expected { key: "$.path" or "header:NAME", onDeadLetter: continue | park }') },
);

export type OrderedDelivery = z.infer<typeof orderedSchema>;

/** Longer keys are replaced by their digest, which bounds the header (record-size.ts). */
export const MAX_ORDER_KEY_BYTES = 200;

/**
 * The ordering key of one event: the value at the path (strings as they are, other JSON values
 * as JSON), or "" when the event has none (those events share one queue, so they keep their
 * order among themselves). Pure.
 */
export function orderKeyOf(ordered: Pick<OrderedDelivery, 'key'>, payload: Buffer | string, headers?: RecordHeaders): string {
  if (ordered.key.startsWith('header:')) return bounded(headerString(headers, ordered.key.slice('header:'.length)) ?? '');
  let tree: unknown;
  try {
    tree = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return '';
  }
  const value = valueAtPath(tree, keyPath(ordered.key));
  if (value === undefined || value === null) return '';
  return bounded(typeof value === 'string' ? value : JSON.stringify(value));
}

/** `$.lines[0].sku` as the dot path `lines.0.sku` (`../json-path.ts`: own properties only). */
function keyPath(key: string): JsonPath {
  return compilePath(key.slice(1).replace(/\[(\d+)\]/g, '.$1').replace(/^\./, ''));
}

function bounded(key: string): string {
  if (Buffer.byteLength(key) <= MAX_ORDER_KEY_BYTES) return key;
  return `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}
