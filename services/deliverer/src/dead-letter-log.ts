import type { Logger } from '@hookrail/shared';
import type { AttemptLogEntry } from './attempt.ts';

/**
 * Every dead letter is a warn line naming the subscription, the delivery and why, so a
 * receiver that refuses everything (or a URL the deliverer refuses) is visible in the logs,
 * not only in the DLQ topic and the metrics.
 */
export function logDeadLetter(logger: Logger, entry: AttemptLogEntry): void {
  if (entry.outcome !== 'dead-letter') return;
  const why = entry.reason ?? entry.errorClass ?? (entry.status !== undefined ? `HTTP ${entry.status}` : 'unknown');
  logger.warn(
    {
      subscriptionId: entry.subscriptionId,
      deliveryId: entry.deliveryId,
      eventType: entry.eventType,
      attempt: entry.attempt,
      reason: why,
      ...(entry.status !== undefined ? { status: entry.status } : {}),
    },
    `dead-lettered delivery ${entry.deliveryId} of subscription ${entry.subscriptionId} after ${entry.attempt} attempt(s): ${why}`,
  );
}
