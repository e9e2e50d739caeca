import type { AttemptEntry } from '@hookrail/shared';

/** OTel `error.type` of a failed attempt (the entry as shared/src/records/attempt.ts reads it): the error class, else the status code. */
export function errorType(entry: Pick<AttemptEntry, 'outcome' | 'errorClass' | 'status'>): string | undefined {
  if (entry.outcome === 'delivered') return undefined;
  return entry.errorClass ?? (entry.status !== undefined ? String(entry.status) : '_OTHER');
}
