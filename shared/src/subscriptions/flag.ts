/**
 * A flag on a subscription (today: its receiver answered 410 Gone), stored as a record of its
 * own in the registry topic under `flag:<id>`, never as a copy of the subscription: a copy
 * written by a deliverer could undo an operator's newer change (a secret rotation) made after
 * the delivery read the subscription. The registry merges the newest flag into the view.
 * Subscription ids cannot contain ":", so a flag key never collides with one.
 */
export interface SubscriptionFlag {
  reason: string;
  /** ISO 8601 time of the attempt that raised it. */
  at: string;
}

export const FLAG_KEY_PREFIX = 'flag:';

export const flagKey = (subscriptionId: string): string => `${FLAG_KEY_PREFIX}${subscriptionId}`;

/** The subscription id of a flag key, or undefined when the key is a subscription's. */
export function flaggedId(key: string): string | undefined {
  return key.startsWith(FLAG_KEY_PREFIX) ? key.slice(FLAG_KEY_PREFIX.length) : undefined;
}

/** The record that flags a subscription, for the registry topic. */
export function flagRecord(registryTopic: string, subscriptionId: string, flag: SubscriptionFlag): { topic: string; message: { key: string; value: string } } {
  return { topic: registryTopic, message: { key: flagKey(subscriptionId), value: JSON.stringify(flag) } };
}

/** A stored flag's value, or undefined when it is not one (logged by the caller). */
export function parseFlag(value: Buffer): SubscriptionFlag | undefined {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<SubscriptionFlag> | null;
    if (typeof parsed?.reason === 'string' && typeof parsed.at === 'string') return { reason: parsed.reason, at: parsed.at };
  } catch {
    // not JSON: not a flag
  }
  return undefined;
}
