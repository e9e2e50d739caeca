/**
 * Records of their own in the registry topic beside the subscriptions (a flag, a disable state)
 * are keyed `<kind>:<subscription id>`. Subscription ids cannot contain ":", so such a key never
 * collides with a subscription's.
 */
export function registryKeys(prefix: string): { key(subscriptionId: string): string; idOf(key: string): string | undefined } {
  return {
    key: (subscriptionId) => `${prefix}${subscriptionId}`,
    idOf: (key) => (key.startsWith(prefix) ? key.slice(prefix.length) : undefined),
  };
}

/** A registry record of its own for a subscription, its value JSON. */
export function registryRecord(registryTopic: string, key: string, value: unknown): { topic: string; message: { key: string; value: string } } {
  return { topic: registryTopic, message: { key, value: JSON.stringify(value) } };
}
