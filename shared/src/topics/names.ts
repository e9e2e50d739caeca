import type { Tier } from '../config/base.ts';
import type { RetryRung } from '../retry-ladder.ts';

/** Every hookrail topic name, derived from one prefix. */
export interface TopicNames {
  readonly subscriptions: string;
  readonly dlq: string;
  readonly attempts: string;
  readonly invalid: string;
  readonly alerts: string;
  tier(tier: Tier): string;
  retry(tier: Tier, rung: RetryRung): string;
  /** Backfill and redeliver deliveries of a tier: the deliverer reads them in a lane of their own. */
  backfill(tier: Tier): string;
  /** Progress of each backfill (compacted, keyed by backfill): where a resumed one starts. */
  readonly backfills: string;
  /** Ordered keys blocked past `deliverer.parkAfter`: their deliveries wait here, keyed by (subscription, key). */
  parked(tier: Tier): string;
  /** Which keys are parked (compacted): `appended:` and `drained:` counts per (subscription, key). */
  parkedState(tier: Tier): string;
  /** Circuit-breaker states the deliverer instances share (compacted, keyed by endpoint). */
  readonly breakers: string;
}

export function topicNames(prefix: string): TopicNames {
  return {
    subscriptions: `${prefix}.subscriptions`,
    dlq: `${prefix}.dlq`,
    attempts: `${prefix}.attempts`,
    invalid: `${prefix}.invalid`,
    alerts: `${prefix}.alerts`,
    tier: (tier) => `${prefix}.tier${tier}`,
    retry: (tier, rung) => `${prefix}.tier${tier}.retry.${rung.name}`,
    backfill: (tier) => `${prefix}.tier${tier}.backfill`,
    backfills: `${prefix}.backfills`,
    parked: (tier) => `${prefix}.tier${tier}.parked`,
    parkedState: (tier) => `${prefix}.tier${tier}.parked-state`,
    breakers: `${prefix}.breakers`,
  };
}
