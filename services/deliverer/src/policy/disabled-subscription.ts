import type { Delivery, Subscription } from '@hookrail/shared';

/**
 * Whether a delivery waits in the DLQ instead of being attempted: its subscription is
 * disabled (the `disabled:<id>` record: auto-disable or `hookrail subscriptions disable`),
 * unless the delivery was sent back by a `subscriptions enable` made after that disable (the
 * deliverer's view of the registry may not show the enable yet). Pure.
 */
export function heldByDisable(subscription: Subscription, delivery: Pick<Delivery, 'enabledAt'>): boolean {
  if (!subscription.disabled) return false;
  return delivery.enabledAt === undefined || delivery.enabledAt < Date.parse(subscription.disabled.at);
}

/** The DLQ detail of a delivery held back by the disable: why, since when, and how to get it delivered. */
export function disabledDetail(subscription: Subscription): string {
  const d = subscription.disabled!;
  return `subscription ${subscription.id} was disabled by ${d.by} at ${d.at}: ${d.reason}; "hookrail subscriptions enable ${subscription.id} --replay-since ${d.at}" turns it back on and replays these`;
}
