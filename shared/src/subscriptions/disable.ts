import type { Subscription } from './subscription.ts';

/**
 * Whether a subscription is switched off, stored as a record of its own in the registry topic
 * under `disabled:<id>` (like the 410 flag, `flag.ts`): never as a copy of the subscription,
 * which could undo an operator's newer revision of it. The monitor writes `disabled: true`
 * when a receiver failed continuously (auto-disable), `hookrail subscriptions disable|enable`
 * write either. While disabled, deliveries are still routed and dead-lettered without a
 * request (`subscription-disabled`), so `subscriptions enable --replay-since` can send them.
 * Subscription ids cannot contain ":", so the key never collides with one.
 */
export type DisableState =
  | { disabled: true; reason: string; at: string; by: string }
  | { disabled: false; at: string; by: string };

export const DISABLE_KEY_PREFIX = 'disabled:';

export const disableKey = (subscriptionId: string): string => `${DISABLE_KEY_PREFIX}${subscriptionId}`;

/** The subscription id of a disable key, or undefined when the key is not one. */
export function disabledId(key: string): string | undefined {
  return key.startsWith(DISABLE_KEY_PREFIX) ? key.slice(DISABLE_KEY_PREFIX.length) : undefined;
}

/** The record that disables or enables a subscription, for the registry topic. */
export function disableRecord(registryTopic: string, subscriptionId: string, state: DisableState): { topic: string; message: { key: string; value: string } } {
  return { topic: registryTopic, message: { key: disableKey(subscriptionId), value: JSON.stringify(state) } };
}

/** A stored state's value, or undefined when it is not one (logged by the caller). */
export function parseDisableState(value: Buffer): DisableState | undefined {
  try {
    const p = JSON.parse(value.toString('utf8')) as Record<string, unknown> | null;
    if (typeof p?.at !== 'string' || typeof p.by !== 'string') return undefined;
    if (p.disabled === true && typeof p.reason === 'string') return { disabled: true, reason: p.reason, at: p.at, by: p.by };
    if (p.disabled === false) return { disabled: false, at: p.at, by: p.by };
  } catch {
    // not JSON: not a state
  }
  return undefined;
}

/**
 * The subscription as the registry shows it: `disabled` from the newest state record, or
 * `enabledAt` when it was last turned back on. What a stored subscription itself says in
 * those fields is ignored: only the state record decides.
 */
export function withDisableState(subscription: Subscription, state: DisableState | undefined): Subscription {
  // The common case, on every routed event and attempt: the stored object itself, no copy.
  if (!state && subscription.disabled === undefined && subscription.enabledAt === undefined) return subscription;
  const { disabled: _disabled, enabledAt: _enabledAt, ...rest } = subscription;
  if (!state) return rest;
  return state.disabled ? { ...rest, disabled: { reason: state.reason, at: state.at, by: state.by } } : { ...rest, enabledAt: state.at };
}
