import { DEAD_LETTER_ERROR_CLASSES, eventTypeMatches, MalformedRecord, type DeadLetterError } from '@hookrail/shared';
import type { DeadLetter } from './dead-letter.ts';

/** Which dead letters a command works on; every field given must match (AND), a list is any-of. */
export interface DeadLetterFilter {
  subscription?: string[];
  /** Event-type patterns as in subscriptions: exact, `order.*` or `*`. */
  eventType?: string[];
  /** Error classes (shared/src/records/dead-letter.ts). */
  error?: DeadLetterError[];
  /** HTTP status of the last attempt. */
  status?: number[];
  /** Dead-lettered at or after / before (epoch ms). */
  since?: number;
  until?: number;
  deliveryId?: string[];
}

/** What `--error` accepts: every class the deliverer writes. */
export const ERROR_CLASSES = DEAD_LETTER_ERROR_CLASSES;

export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const read = letter.letter instanceof MalformedRecord ? undefined : letter.letter;
  const about = read?.about ?? {};
  const anyOf = <T>(wanted: T[] | undefined, actual: T | undefined) => !wanted?.length || (actual !== undefined && wanted.includes(actual));
  if (!anyOf(filter.subscription, about.subscriptionId)) return false;
  if (!anyOf(filter.error, read?.error)) return false;
  if (!anyOf(filter.deliveryId, about.deliveryId)) return false;
  if (!anyOf(filter.status, read?.status)) return false;
  if (filter.eventType?.length && !filter.eventType.some((pattern) => eventTypeMatches(pattern, about.eventType ?? ''))) return false;
  if (filter.since !== undefined && letter.at < filter.since) return false;
  if (filter.until !== undefined && letter.at >= filter.until) return false;
  return true;
}
