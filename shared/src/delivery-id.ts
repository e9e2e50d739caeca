import { createHash } from 'node:crypto';

/**
 * The delivery id is a hash of event id and subscription id, so a router re-run and every
 * retry carry the same id: it is the `webhook-id` receivers deduplicate on.
 */
export function deliveryId(eventId: string, subscriptionId: string): string {
  const digest = createHash('sha256').update(eventId).update('\u0000').update(subscriptionId).digest();
  return `msg_${digest.subarray(0, 18).toString('base64url')}`;
}
