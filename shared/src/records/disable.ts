import { jsonObject, MalformedRecord } from './malformed.ts';
import { registryKeys, registryRecord } from './registry-keys.ts';

/**
 * Whether a subscription is switched off, stored as a record of its own in the registry topic
 * under `disabled:<id>` (like the 410 flag, `flag.ts`): never as a copy of the subscription,
 * which could undo an operator's newer revision of it. The monitor writes `disabled: true`
 * when a receiver failed continuously (auto-disable), `hookrail subscriptions disable|enable`
 * write either. While disabled, deliveries are still routed and dead-lettered without a
 * request (`subscription-disabled`), so `subscriptions enable --replay-since` can send them.
 */
export type DisableState =
  | { disabled: true; reason: string; at: string; by: string }
  | { disabled: false; at: string; by: string };

export const DISABLE_KEY_PREFIX = 'disabled:';

const keys = registryKeys(DISABLE_KEY_PREFIX);

export const disableKey = keys.key;

/** The subscription id of a disable key, or undefined when the key is not one. */
export const disabledId = keys.idOf;

/** The record that disables or enables a subscription, for the registry topic. */
export const disableRecord = (registryTopic: string, subscriptionId: string, state: DisableState) => registryRecord(registryTopic, disableKey(subscriptionId), state);

/** A stored state's value, or what is wrong with it (logged by the caller). */
export function parseDisableState(value: Buffer | string): DisableState | MalformedRecord {
  const p = jsonObject('disable', value);
  if (p instanceof MalformedRecord) return p;
  if (typeof p.at === 'string' && typeof p.by === 'string') {
    if (p.disabled === true && typeof p.reason === 'string') return { disabled: true, reason: p.reason, at: p.at, by: p.by };
    if (p.disabled === false) return { disabled: false, at: p.at, by: p.by };
  }
  return new MalformedRecord('disable', 'not {disabled, at, by} (and reason when disabled)');
}
