import type { Tier } from '@hookrail/shared';

/**
 * The lanes a deliverer runs: per tier served, the live lane and (unless turned off) the
 * backfill lane, which reads backfills and redeliveries (`hookrail subscriptions backfill`)
 * with its own group, buffer and transactions, so they never wait behind or hold up live
 * deliveries. Pure.
 */
export function lanesOf(settings: { tiers: readonly Tier[]; backfillLanes: boolean }): Array<{ tier: Tier; backfill: boolean }> {
  return settings.tiers.flatMap((tier) => [{ tier, backfill: false }, ...(settings.backfillLanes ? [{ tier, backfill: true }] : [])]);
}
