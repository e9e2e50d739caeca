import { jsonObject, MalformedRecord } from './malformed.ts';
import { registryKeys, registryRecord } from './registry-keys.ts';

/**
 * A flag on a subscription (today: its receiver answered 410 Gone), stored as a record of its
 * own in the registry topic under `flag:<id>`, never as a copy of the subscription: a copy
 * written by a deliverer could undo an operator's newer change (a secret rotation) made after
 * the delivery read the subscription. The registry merges the newest flag into the view.
 */
export interface SubscriptionFlag {
  reason: string;
  /** ISO 8601 time of the attempt that raised it. */
  at: string;
}

export const FLAG_KEY_PREFIX = 'flag:';

const keys = registryKeys(FLAG_KEY_PREFIX);

export const flagKey = keys.key;

/** The subscription id of a flag key, or undefined when the key is a subscription's. */
export const flaggedId = keys.idOf;

/** The record that flags a subscription, for the registry topic. */
export const flagRecord = (registryTopic: string, subscriptionId: string, flag: SubscriptionFlag) => registryRecord(registryTopic, flagKey(subscriptionId), flag);

/** A stored flag's value, or what is wrong with it (logged by the caller). */
export function parseFlag(value: Buffer | string): SubscriptionFlag | MalformedRecord {
  const parsed = jsonObject('flag', value);
  if (parsed instanceof MalformedRecord) return parsed;
  if (typeof parsed.reason === 'string' && typeof parsed.at === 'string') return { reason: parsed.reason, at: parsed.at };
  return new MalformedRecord('flag', 'not {reason, at}');
}
