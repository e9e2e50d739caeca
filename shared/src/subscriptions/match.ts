import type { Subscription } from './subscription.ts';

/** `*` matches every type, `order.*` every type below `order.`, anything else itself. */
export function eventTypeMatches(pattern: string, eventType: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

/** The enabled subscriptions an event goes to, in a stable order (by id). */
export function matchSubscriptions(
  subscriptions: Iterable<Subscription>,
  event: { type: string; topic: string },
): Subscription[] {
  const matched: Subscription[] = [];
  for (const subscription of subscriptions) {
    if (!subscription.enabled) continue;
    if (subscription.topics && !subscription.topics.includes(event.topic)) continue;
    if (subscription.eventTypes.some((pattern) => eventTypeMatches(pattern, event.type))) {
      matched.push(subscription);
    }
  }
  return matched.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
