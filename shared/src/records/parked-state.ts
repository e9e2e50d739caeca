import { deliveryHeaders, type Delivery, type DeliveryMarks } from './delivery.ts';
import { H, headerString, type RecordHeaders } from './headers.ts';
import { MalformedRecord } from './malformed.ts';

/**
 * The parking topics' records (docs/architecture.md, "Parking topic"). A parked key is one
 * (subscription, order key): the parked deliveries are keyed `<subscription>\n<order key>`,
 * and the compacted state topic (`<prefix>.tierN.parked-state`) holds per key:
 * `appended:<subscription>:<order key>` = n, `drained:…` = n (a key is parked while
 * appended > drained) and `held:…` = a hold of `onDeadLetter: park` or its release.
 */
export interface ParkedKey {
  subscriptionId: string;
  orderKey: string;
}

/** The parked deliveries' record key, and the deliverer's key for a parked (subscription, order key). */
export const parkedKey = (key: ParkedKey): string => `${key.subscriptionId}\n${key.orderKey}`;

/** The (subscription, order key) of a parked key. */
export function splitParkedKey(key: string): ParkedKey {
  const split = key.indexOf('\n');
  return split < 0 ? { subscriptionId: key, orderKey: '' } : { subscriptionId: key.slice(0, split), orderKey: key.slice(split + 1) };
}

/** A parked delivery, under its parked key, carrying its number among the key's parked deliveries. */
export function parkedDeliveryRecord(topic: string, key: string, delivery: Delivery, n: number, marks: Omit<DeliveryMarks, 'parkedSeq'> = {}) {
  return { topic, message: { key, value: delivery.payload, headers: deliveryHeaders(delivery, { ...marks, parkedSeq: n }) } };
}

/** A parked delivery's key and number, read from its headers; undefined on any other record. */
export function parkedPlace(headers: RecordHeaders | undefined): { key: string; n: number } | undefined {
  const seq = headerString(headers, H.parkedSeq);
  const subscriptionId = headerString(headers, H.subscriptionId);
  if (seq === undefined || !Number.isInteger(Number(seq)) || subscriptionId === undefined) return undefined;
  return { key: parkedKey({ subscriptionId, orderKey: headerString(headers, H.orderKey) ?? '' }), n: Number(seq) };
}

/**
 * A key held by `onDeadLetter: park`, or released: `at` is the consumed record whose outcome
 * wrote it (`topic:partition:offset`, unique per write), `head` the dead head's delivery id.
 */
export type Hold = { state: 'held'; head: string; at: string } | { state: 'released'; at: string };

export type ParkedCount = 'appended' | 'drained';

export type ParkedStateKind = ParkedCount | 'held';

/** One record of a parked-state topic; `key` is the parked key (`parkedKey`). */
export type ParkedState = { kind: ParkedCount; key: string; n: number } | { kind: 'held'; key: string; hold: Hold };

/** A hold's stored value (also how two holds compare). */
export function holdValue(hold: Hold): string {
  return JSON.stringify(hold.state === 'held' ? { held: hold.head, at: hold.at } : { released: true, at: hold.at });
}

/** The state record: key `<kind>:<subscription>:<order key>`, value the count or the hold. */
export function parkedStateMessage(state: ParkedState): { key: string; value: string } {
  const { subscriptionId, orderKey } = splitParkedKey(state.key);
  return { key: `${state.kind}:${subscriptionId}:${orderKey}`, value: state.kind === 'held' ? holdValue(state.hold) : String(state.n) };
}

const bad = (problem: string) => new MalformedRecord('parked state', problem);

/** Reads a state record (key and value as text; a tombstone's value is undefined). */
export function parseParkedState(key: string | undefined, value: string | undefined): ParkedState | MalformedRecord {
  const match = key === undefined ? null : /^(appended|drained|held):([^:]+):(.*)$/s.exec(key);
  if (!match) return bad(`key ${JSON.stringify(key)} is not <appended|drained|held>:<subscription>:<order key>`);
  if (value === undefined) return bad('no value (a tombstone)');
  const kind = match[1] as ParkedStateKind;
  const parked = parkedKey({ subscriptionId: match[2]!, orderKey: match[3]! });
  if (kind === 'held') {
    const hold = parseHold(value);
    return hold instanceof MalformedRecord ? hold : { kind, key: parked, hold };
  }
  const n = Number(value);
  return value !== '' && Number.isInteger(n) ? { kind, key: parked, n } : bad(`count ${JSON.stringify(value)} is not an integer`);
}

function parseHold(text: string): Hold | MalformedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('hold is not JSON');
  }
  if (typeof value !== 'object' || value === null) return bad('hold is not an object');
  const { held, released, at } = value as Record<string, unknown>;
  if (typeof at !== 'string') return bad('hold without "at"');
  if (typeof held === 'string') return { state: 'held', head: held, at };
  if (released === true) return { state: 'released', at };
  return bad('hold is neither {held} nor {released: true}');
}
