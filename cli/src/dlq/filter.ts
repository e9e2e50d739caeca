import { eventTypeMatches, H } from '@hookrail/shared';
import type { DeadLetter } from './dead-letter.ts';

/** Which dead letters a command works on; every field given must match (AND), a list is any-of. */
export interface DeadLetterFilter {
  subscription?: string[];
  /** Event-type patterns as in subscriptions: exact, `order.*` or `*`. */
  eventType?: string[];
  /** Error classes: permanent, exhausted, gone, subscription-missing, subscription-disabled. */
  error?: string[];
  /** HTTP status of the last attempt. */
  status?: number[];
  /** Dead-lettered at or after / before (epoch ms). */
  since?: number;
  until?: number;
  deliveryId?: string[];
}

export const ERROR_CLASSES = ['permanent', 'exhausted', 'gone', 'subscription-missing', 'subscription-disabled'] as const;

export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const h = letter.headers;
  const anyOf = <T>(wanted: T[] | undefined, actual: T | undefined) => !wanted?.length || (actual !== undefined && wanted.includes(actual));
  if (!anyOf(filter.subscription, h[H.subscriptionId])) return false;
  if (!anyOf(filter.error, h[H.error])) return false;
  if (!anyOf(filter.deliveryId, h[H.deliveryId])) return false;
  if (!anyOf(filter.status, h[H.status] === undefined ? undefined : Number(h[H.status]))) return false;
  if (filter.eventType?.length && !filter.eventType.some((pattern) => eventTypeMatches(pattern, h[H.eventType] ?? ''))) return false;
  if (filter.since !== undefined && letter.at < filter.since) return false;
  if (filter.until !== undefined && letter.at >= filter.until) return false;
  return true;
}
