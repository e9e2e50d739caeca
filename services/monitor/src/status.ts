import { TIERS, type Tier } from '@hookrail/shared';
import type { ActiveAlert } from './alerts/engine.ts';
import type { SubscriptionSummary, WindowSummary } from './delivery-stats.ts';
import type { GroupReport } from './lag-tracker.ts';
import type { DestinationStatus } from './policy/destination-breakers.ts';
import type { GroupStatus } from './policy/group-status.ts';
import { TIER_LABEL } from './policy/alert-rules.ts';
import type { Quantiles } from './policy/quantile.ts';

export type Health = 'ok' | 'warning' | 'critical';

export interface TierStatus {
  tier: Tier;
  slo: number;
  health: Health;
  attempts: number;
  delivered: number;
  failed: number;
  successRate: number | null;
  /** Error ratio / error budget over the status window. */
  burnRate: number | null;
  retriesPerDelivery: number | null;
  /** Attempts in the window that were retries (attempt > 1). */
  retryAttempts: number;
  /** Deliveries attempted and not ended yet (waiting on the retry ladder). */
  inFlight: number;
  /** Seconds. */
  attemptLatency: Quantiles;
  endToEnd: Quantiles;
  deadLettered: number;
  /** Records waiting in the tier topic, its retry topics and its parking topic. */
  queueLength: number | null;
  /**
   * The tier's deliverer group over all of the tier's topics (tier and retry topics), the same
   * numbers as its row in the groups table: offsets, and the oldest unconsumed record's age.
   */
  lag: number | null;
  lagSeconds: number | null;
  /** Its time lag on the tier topic alone: how late first attempts are (what the lag alert watches). */
  firstAttemptLagSeconds: number | null;
  groupStatus: GroupStatus | null;
  failures: Array<{ kind: string; count: number }>;
  firingAlerts: number;
}

export interface QueueSample {
  at: string;
  tiers: Record<string, number>;
}

/** One reading of each tier's trend signals, for the history charts. */
export interface TierSample {
  at: string;
  tiers: Record<string, { successRate: number | null; lag: number | null; lagSeconds: number | null; queue: number | null }>;
}

/** A subscription's delivery signals over the status window. */
export interface SubscriptionStatus extends SubscriptionSummary {
  /** Deliveries attempted and not ended yet (waiting on the retry ladder). */
  inFlight: number;
  /** Set while the subscription is disabled (by the monitor's auto-disable or an operator): who, when, why. */
  disabled?: { reason: string; at: string; by: string };
}

/** The monitor's /status document; also what `hookrail report` compares as a snapshot. */
export interface StatusReport {
  kind: 'hookrail-status';
  version: 1;
  generatedAt: string;
  prefix: string;
  health: Health;
  /** Window of the rates and latencies: nominal (as configured) and as applied (scaled). */
  window: { nominal: string; ms: number };
  offsetsAt: string | null;
  tiers: TierStatus[];
  groups: GroupReport[];
  queues: Record<string, number>;
  subscriptions: SubscriptionStatus[];
  /** Destinations (URL origins) reported recently: circuit breaker and in-flight limit. */
  destinations: DestinationStatus[];
  alerts: ActiveAlert[];
  /**
   * Oldest first, one per offset reading: queue lengths per tier (what `hookrail report`
   * reads), and per tier its success rate over the status window, lag and queue.
   */
  history: { queue: QueueSample[]; tiers: TierSample[] };
}

export interface StatusInput {
  now: number;
  prefix: string;
  window: { nominal: string; ms: number };
  slo: Record<Tier, number>;
  tier(tier: Tier): WindowSummary;
  failures(tier: Tier): Array<{ kind: string; count: number }>;
  subscriptions: SubscriptionStatus[];
  destinations?: readonly DestinationStatus[];
  groups: readonly GroupReport[];
  queues: ReadonlyMap<string, number>;
  tierQueue(tier: Tier): number | null;
  offsetsAt: number | null;
  alerts: readonly ActiveAlert[];
  queueHistory: readonly QueueSample[];
  tierHistory: readonly TierSample[];
}

const worst = (a: Health, b: Health): Health => (a === 'critical' || b === 'critical' ? 'critical' : a === 'warning' || b === 'warning' ? 'warning' : 'ok');

export function buildStatus(input: StatusInput): StatusReport {
  const firing = input.alerts.filter((a) => a.phase === 'firing');
  const tiers = TIERS.map((tier): TierStatus => {
    const summary = input.tier(tier);
    const group = input.groups.find((g) => g.role === 'deliverer' && g.tier === tier);
    const alerts = firing.filter((a) => a.labels[TIER_LABEL] === String(tier) || a.labels[TIER_LABEL] === 'all');
    let health: Health = 'ok';
    for (const alert of alerts) health = worst(health, (alert.score?.severity ?? alert.labels.severity) === 'critical' ? 'critical' : 'warning');
    if (group && group.status !== 'OK') health = worst(health, 'warning');
    const slo = input.slo[tier];
    return {
      tier,
      slo,
      health,
      attempts: summary.attempts,
      delivered: summary.delivered,
      failed: summary.failed,
      successRate: summary.successRate,
      burnRate: summary.successRate === null ? null : (1 - summary.successRate) / (1 - slo),
      retriesPerDelivery: summary.retriesPerDelivery,
      retryAttempts: summary.retryAttempts,
      inFlight: input.subscriptions.filter((s) => s.tier === tier).reduce((sum, s) => sum + s.inFlight, 0),
      attemptLatency: summary.attemptLatency,
      endToEnd: summary.endToEnd,
      deadLettered: summary.deadLettered,
      queueLength: input.tierQueue(tier),
      lag: group ? group.lag : null,
      lagSeconds: group ? group.maxLagSeconds : null,
      firstAttemptLagSeconds: group ? group.deliveryLagSeconds : null,
      groupStatus: group ? group.status : null,
      failures: input.failures(tier),
      firingAlerts: alerts.length,
    };
  });
  return {
    kind: 'hookrail-status',
    version: 1,
    generatedAt: new Date(input.now).toISOString(),
    prefix: input.prefix,
    health: tiers.reduce<Health>((h, t) => worst(h, t.health), firing.length > 0 ? 'warning' : 'ok'),
    window: input.window,
    offsetsAt: input.offsetsAt === null ? null : new Date(input.offsetsAt).toISOString(),
    tiers,
    groups: [...input.groups],
    queues: Object.fromEntries(input.queues),
    subscriptions: input.subscriptions,
    destinations: [...(input.destinations ?? [])],
    alerts: [...input.alerts],
    history: { queue: [...input.queueHistory], tiers: [...input.tierHistory] },
  };
}
