import type { AttemptEntry, Tier } from '@hookrail/shared';
import { errorType } from './attempt-entry.ts';
import { bucketIndex, quantiles, type Quantiles } from './policy/quantile.ts';
import { SlidingCounters } from './policy/sliding-window.ts';

/** Bucket bounds (seconds) of the attempt latency histogram: the deliverer's. */
export const ATTEMPT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bucket bounds (seconds) of end-to-end latency: event time → 2xx, up to tier 1's 6 h horizon. */
export const E2E_BUCKETS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 7_200, 21_600, 43_200];
/** Retries per finished delivery: 0 … 8 (the ladder has 8 rungs). */
export const RETRY_BUCKETS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

const ATTEMPTS = 0;
const DELIVERED = 1;
const DEAD = 2;
const FINISHED = 3;
const RETRIES = 4;
const RETRY_ATTEMPTS = 5;
const LAT = 6;
const E2E = LAT + ATTEMPT_BUCKETS.length + 1;
const WIDTH = E2E + E2E_BUCKETS.length + 1;

export interface WindowSummary {
  attempts: number;
  delivered: number;
  failed: number;
  deadLettered: number;
  /** Deliveries that ended (delivered or dead-lettered) in the window. */
  finished: number;
  /** Mean retries per finished delivery. */
  retriesPerDelivery: number | null;
  /** Attempts that were retries (attempt > 1), finished or not. */
  retryAttempts: number;
  /** delivered / attempts; null without attempts. */
  successRate: number | null;
  attemptLatency: Quantiles;
  endToEnd: Quantiles;
}

export interface SubscriptionSummary extends WindowSummary {
  id: string;
  tier: Tier;
}

function summarize(sums: Float64Array): WindowSummary {
  const attempts = sums[ATTEMPTS]!;
  const delivered = sums[DELIVERED]!;
  const finished = sums[FINISHED]!;
  return {
    attempts,
    delivered,
    failed: attempts - delivered,
    deadLettered: sums[DEAD]!,
    finished,
    retriesPerDelivery: finished > 0 ? sums[RETRIES]! / finished : null,
    retryAttempts: sums[RETRY_ATTEMPTS]!,
    successRate: attempts > 0 ? delivered / attempts : null,
    attemptLatency: quantiles(ATTEMPT_BUCKETS, sums.subarray(LAT, E2E)),
    endToEnd: quantiles(E2E_BUCKETS, sums.subarray(E2E, WIDTH)),
  };
}

/** A window with no attempt. */
export function emptySummary(): WindowSummary {
  return summarize(new Float64Array(WIDTH));
}

export interface DeliveryStatsOptions {
  /** Span of the per-tier windows: the longest alert window. */
  tierSpanMs: number;
  tierSlotMs: number;
  /** Span of the per-subscription windows (shares of traffic, the status page). */
  subscriptionSpanMs: number;
  subscriptionSlotMs: number;
}

/**
 * Delivery signals over sliding windows, per tier and per subscription, from attempt entries
 * of every deliverer instance. Time is the attempt's own (`attemptedAt`), so replaying the
 * attempts topic after a restart rebuilds the same windows.
 */
export class DeliveryStats {
  readonly #options: DeliveryStatsOptions;
  readonly #tiers = new Map<Tier, SlidingCounters>();
  readonly #errors = new Map<Tier, Map<string, SlidingCounters>>();
  readonly #subscriptions = new Map<string, { tier: Tier; counters: SlidingCounters }>();

  constructor(options: DeliveryStatsOptions) {
    this.#options = options;
    for (const tier of [1, 2, 3] as const) {
      this.#tiers.set(tier, new SlidingCounters({ spanMs: options.tierSpanMs, slotMs: options.tierSlotMs, width: WIDTH }));
      this.#errors.set(tier, new Map());
    }
  }

  add(entry: AttemptEntry, now: number): void {
    const at = Math.min(entry.attemptedAt, now);
    const tierCounters = this.#tiers.get(entry.tier)!;
    if (at <= now - this.#options.tierSpanMs) return;
    let subscription = this.#subscriptions.get(entry.subscriptionId);
    if (!subscription || subscription.tier !== entry.tier) {
      subscription = {
        tier: entry.tier,
        counters: new SlidingCounters({ spanMs: this.#options.subscriptionSpanMs, slotMs: this.#options.subscriptionSlotMs, width: WIDTH }),
      };
      this.#subscriptions.set(entry.subscriptionId, subscription);
    }
    for (const counters of [tierCounters, subscription.counters]) {
      counters.add(at, ATTEMPTS);
      if (entry.attempt > 1) counters.add(at, RETRY_ATTEMPTS);
      if (entry.outcome === 'delivered') counters.add(at, DELIVERED);
      if (entry.outcome === 'dead-letter') counters.add(at, DEAD);
      if (entry.outcome !== 'retry') {
        counters.add(at, FINISHED);
        counters.add(at, RETRIES, Math.max(0, entry.attempt - 1));
      }
      if (entry.http) counters.add(at, LAT + bucketIndex(ATTEMPT_BUCKETS, entry.durationMs / 1_000));
      const e2e = endToEndSeconds(entry);
      if (e2e !== undefined) counters.add(at, E2E + bucketIndex(E2E_BUCKETS, e2e));
    }
    const type = errorType(entry);
    if (type !== undefined) {
      const key = entry.status !== undefined ? `${entry.status} ${entry.errorClass ?? ''}`.trim() : type;
      const errors = this.#errors.get(entry.tier)!;
      let counter = errors.get(key);
      if (!counter) {
        counter = new SlidingCounters({ spanMs: this.#options.subscriptionSpanMs, slotMs: this.#options.subscriptionSlotMs, width: 1 });
        errors.set(key, counter);
      }
      counter.add(at, 0);
    }
  }

  tier(tier: Tier, now: number, windowMs: number): WindowSummary {
    return summarize(this.#tiers.get(tier)!.sum(now, windowMs));
  }

  /** Every subscription of the tier seen within the window. */
  subscriptions(tier: Tier | undefined, now: number, windowMs: number): SubscriptionSummary[] {
    const out: SubscriptionSummary[] = [];
    for (const [id, subscription] of this.#subscriptions) {
      if (tier !== undefined && subscription.tier !== tier) continue;
      const summary = summarize(subscription.counters.sum(now, windowMs));
      if (summary.attempts > 0) out.push({ id, tier: subscription.tier, ...summary });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Failed attempts by "status error-class" within the window, most frequent first. */
  failures(tier: Tier, now: number, windowMs: number): Array<{ kind: string; count: number }> {
    const out: Array<{ kind: string; count: number }> = [];
    for (const [kind, counter] of this.#errors.get(tier)!) {
      const count = counter.sum(now, windowMs)[0]!;
      if (count > 0) out.push({ kind, count });
    }
    return out.sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  }

  /** Drops subscriptions and error kinds idle for a whole span (bounded memory). */
  prune(now: number): void {
    for (const [id, subscription] of this.#subscriptions) if (subscription.counters.idle(now)) this.#subscriptions.delete(id);
    for (const errors of this.#errors.values()) for (const [kind, counter] of errors) if (counter.idle(now)) errors.delete(kind);
  }
}

/** Event time → 2xx in seconds, for a delivered attempt that knows its event time. */
export function endToEndSeconds(entry: AttemptEntry): number | undefined {
  if (entry.outcome !== 'delivered' || !(entry.eventTime > 0)) return undefined;
  return Math.max(0, (entry.attemptedAt + entry.durationMs - entry.eventTime) / 1_000);
}
