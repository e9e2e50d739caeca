import { TIERS, topicNames, type Tier } from '@hookrail/shared';
import type { AlertsConfig } from '../config.ts';
import { breakerOpenRules, type DestinationSignal } from './breaker-rule.ts';
import { burnRate, errorRatio, multiWindowBurn } from './burn-rate.ts';
import { GROUP_STATUS_CODE, type GroupStatus } from './group-status.ts';
import { severityOf, type Severity, type SeverityFacts } from './scoring.ts';

export type RuleKind = 'sloBreach' | 'burnFast' | 'burnSlow' | 'lag' | 'queueLength' | 'dlqInflow' | 'groupStatus' | 'breakerOpen' | 'autoDisabled';

/** Alert names, the same in the monitor and in deploy/prometheus/rules.yml. */
export const RULE_NAMES: Readonly<Record<RuleKind, string>> = {
  sloBreach: 'HookrailDeliverySLOBreach',
  burnFast: 'HookrailErrorBudgetBurnFast',
  burnSlow: 'HookrailErrorBudgetBurnSlow',
  lag: 'HookrailConsumerLagHigh',
  queueLength: 'HookrailQueueLengthHigh',
  dlqInflow: 'HookrailDeadLetterInflow',
  groupStatus: 'HookrailConsumerGroupStalled',
  breakerOpen: 'HookrailCircuitBreakerOpen',
  autoDisabled: 'HookrailSubscriptionAutoDisabled',
};

/** Alert label names, the same as the metrics' attributes on export (and rules.yml's). */
export const TIER_LABEL = 'hookrail_tier';
export const GROUP_LABEL = 'messaging_consumer_group_name';
export const SUBSCRIPTION_LABEL = 'hookrail_subscription_id';

/** What each kind of alert means for deliveries; its severity follows (scoring.ts). */
export const RULE_FACTS: Readonly<Record<RuleKind, SeverityFacts>> = {
  // Most attempts fail right now: receivers get nothing.
  burnFast: { dataLossRisk: false, downtime: true, userImpact: 'high' },
  // Failing steadily: retries cover it for now, receivers see gaps and delays.
  burnSlow: { dataLossRisk: false, downtime: false, userImpact: 'high' },
  sloBreach: { dataLossRisk: false, downtime: false, userImpact: 'high' },
  // Deliveries are late.
  lag: { dataLossRisk: false, downtime: false, userImpact: 'high' },
  // A backlog builds: an early signal, nobody is hurt yet.
  queueLength: { dataLossRisk: false, downtime: false, userImpact: 'low' },
  // Deliveries were given up: parked, lost if nobody replays them before retention ends.
  dlqInflow: { dataLossRisk: true, downtime: false, userImpact: 'low' },
  // Nobody consumes a tier (or the router): nothing is delivered.
  groupStatus: { dataLossRisk: false, downtime: true, userImpact: 'high' },
  // A receiver is failing and hookrail holds its deliveries back: they arrive late, not lost.
  breakerOpen: { dataLossRisk: false, downtime: false, userImpact: 'high' },
  // A subscription was switched off: its receiver gets nothing, its deliveries are parked in the DLQ.
  autoDisabled: { dataLossRisk: true, downtime: true, userImpact: 'high' },
};

export interface TrafficCounts {
  attempts: number;
  delivered: number;
  deadLettered: number;
}

export interface GroupSignal {
  group: string;
  /** The tier a deliverer group serves; 'all' for the router. */
  tier: Tier | 'all';
  status: GroupStatus;
  /** Max time lag in seconds on the topics that matter (a deliverer: its tier topic). */
  lagSeconds: number;
}

/** What the rules read; the monitor builds it from its windows and its last offset reading. */
export interface Signals {
  now: number;
  tier(tier: Tier, windowMs: number): TrafficCounts;
  subscriptions(tier: Tier, windowMs: number): Array<TrafficCounts & { id: string }>;
  /** Records waiting in the tier topic, its retry topics and its parking topic; null before the first reading. */
  queueLength(tier: Tier): number | null;
  groups: readonly GroupSignal[];
  /** Destinations whose circuit breaker is not closed, per tier (from the attempt log). */
  destinations?(tier: Tier): DestinationSignal[];
  /** Subscriptions the monitor's auto-disable switched off and nobody enabled since. */
  autoDisabled?: readonly AutoDisabledSignal[];
}

export interface AutoDisabledSignal {
  id: string;
  tier: Tier;
  reason: string;
  /** ISO 8601. */
  at: string;
}

export interface RuleEvaluation {
  kind: RuleKind;
  name: string;
  /** Identity of the alert: its name and labels (severity and priority aside). */
  fingerprintLabels: Record<string, string>;
  severity: Severity;
  /** The tier whose weight sets the impact (the router counts as tier 1). */
  impactTier: Tier;
  value: number | null;
  threshold: number;
  resolveThreshold: number;
  forMs: number;
  keepFiringForMs: number;
  summary: string;
  description: string;
  /** Share of the tier's traffic the problem touches, 0…1 (computed when the alert fires). */
  share(): number;
  /** The subscriptions in trouble, when the rule is about deliveries (empty for lag, queue, groups). */
  subscriptions(): string[];
}

export interface RuleConfig {
  alerts: AlertsConfig;
  tiers: Record<Tier, { slo: number }>;
  prefix: string;
}

/** "1h", "5m", "30s", "1500ms": a nominal window as people write it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const pct = (value: number, digits = 2) => `${(value * 100).toFixed(digits)}%`;

/**
 * Share of the tier's attempts in the window made by subscriptions that are themselves in
 * trouble (`affected`), 0 when the tier had no attempts.
 */
export function affectedShare(
  subscriptions: ReadonlyArray<TrafficCounts & { id: string }>,
  affected: (s: TrafficCounts & { id: string }) => boolean,
): number {
  let total = 0;
  let hit = 0;
  for (const s of subscriptions) {
    total += s.attempts;
    if (affected(s)) hit += s.attempts;
  }
  return total > 0 ? hit / total : 0;
}

/** Every rule instance of the configuration, with its value now. Pure: same signals, same answer. */
export function evaluateRules(config: RuleConfig, signals: Signals): RuleEvaluation[] {
  const { alerts, prefix } = config;
  const scale = (ms: number) => Math.max(1, Math.round(ms * alerts.timeScale));
  const out: RuleEvaluation[] = [];
  const base = (kind: RuleKind, rule: { forMs: number; keepFiringForMs: number; severity?: Severity | undefined }) => ({
    kind,
    name: RULE_NAMES[kind],
    severity: rule.severity ?? severityOf(RULE_FACTS[kind]),
    forMs: alerts.timeScale === 1 ? rule.forMs : Math.round(rule.forMs * alerts.timeScale),
    keepFiringForMs: alerts.timeScale === 1 ? rule.keepFiringForMs : Math.round(rule.keepFiringForMs * alerts.timeScale),
  });
  const labels = (kind: RuleKind, tier: Tier | 'all', extra: Record<string, string> = {}) => ({
    alertname: RULE_NAMES[kind],
    [TIER_LABEL]: String(tier),
    prefix,
    ...extra,
  });
  const counts = (tier: Tier, windowMs: number) => signals.tier(tier, scale(windowMs));

  for (const tier of TIERS) {
    const slo = config.tiers[tier].slo;
    const budget = 1 - slo;
    const ratio = (windowMs: number) => errorRatio({ attempts: counts(tier, windowMs).attempts, good: counts(tier, windowMs).delivered }, alerts.minAttempts);
    const burning = (s: TrafficCounts) => s.attempts > 0 && (s.attempts - s.delivered) / s.attempts > budget;
    const shareOver = (windowMs: number, affected: (s: TrafficCounts) => boolean) => () =>
      affectedShare(signals.subscriptions(tier, scale(windowMs)), affected);
    const troubled = (windowMs: number, affected: (s: TrafficCounts) => boolean) => () =>
      signals.subscriptions(tier, scale(windowMs)).filter(affected).map((s) => s.id);

    const slo_ = alerts.sloBreach;
    if (slo_.enabled) {
      const r = ratio(slo_.windowMs);
      const window = formatDuration(slo_.windowMs);
      out.push({
        ...base('sloBreach', slo_),
        fingerprintLabels: labels('sloBreach', tier),
        impactTier: tier,
        value: burnRate(r, slo),
        threshold: 1,
        resolveThreshold: alerts.resolveRatio,
        summary: `Tier ${tier} delivery success rate ${r === null ? 'n/a' : pct(1 - r)} is under its SLO ${pct(slo, 3)} over ${window}`,
        description: `Attempts answered 2xx over the last ${window} fell under the tier's SLO (error ratio ${r === null ? 'n/a' : pct(r, 3)}, budget ${pct(budget, 3)}).`,
        share: shareOver(slo_.windowMs, burning),
        subscriptions: troubled(slo_.windowMs, burning),
      });
    }
    for (const kind of ['burnFast', 'burnSlow'] as const) {
      const rule = alerts[kind];
      if (!rule.enabled) continue;
      const long = burnRate(ratio(rule.longWindowMs), slo);
      const short = burnRate(ratio(rule.shortWindowMs), slo);
      const windows = `${formatDuration(rule.longWindowMs)} and ${formatDuration(rule.shortWindowMs)}`;
      out.push({
        ...base(kind, rule),
        fingerprintLabels: labels(kind, tier),
        impactTier: tier,
        value: multiWindowBurn(long, short),
        threshold: rule.factor,
        resolveThreshold: rule.factor * alerts.resolveRatio,
        summary: `Tier ${tier} burns its error budget ${long === null || short === null ? 'n/a' : Math.min(long, short).toFixed(1)}× too fast (${windows} windows, limit ${rule.factor}×)`,
        description: `Burn rate over ${formatDuration(rule.longWindowMs)}: ${long?.toFixed(2) ?? 'n/a'}, over ${formatDuration(rule.shortWindowMs)}: ${short?.toFixed(2) ?? 'n/a'}; SLO ${pct(slo, 3)}.`,
        share: shareOver(rule.shortWindowMs, burning),
        subscriptions: troubled(rule.shortWindowMs, burning),
      });
    }
    const dlq = alerts.dlqInflow;
    if (dlq.enabled) {
      const count = counts(tier, dlq.windowMs).deadLettered;
      out.push({
        ...base('dlqInflow', dlq),
        fingerprintLabels: labels('dlqInflow', tier),
        impactTier: tier,
        value: count,
        threshold: dlq.threshold[tier],
        resolveThreshold: dlq.threshold[tier] * alerts.resolveRatio,
        summary: `${count} tier ${tier} deliveries went to the dead-letter topic in ${formatDuration(dlq.windowMs)}`,
        description: `Dead letters of tier ${tier} over the last ${formatDuration(dlq.windowMs)}: ${count} (limit ${dlq.threshold[tier]}). Inspect with "hookrail dlq inspect", replay once fixed.`,
        share: shareOver(dlq.windowMs, (s) => s.deadLettered > 0),
        subscriptions: troubled(dlq.windowMs, (s) => s.deadLettered > 0),
      });
    }
    const queue = alerts.queueLength;
    if (queue.enabled) {
      const length = signals.queueLength(tier);
      out.push({
        ...base('queueLength', queue),
        fingerprintLabels: labels('queueLength', tier),
        impactTier: tier,
        value: length,
        threshold: queue.threshold[tier],
        resolveThreshold: queue.threshold[tier] * alerts.resolveRatio,
        summary: `${length ?? 'n/a'} tier ${tier} deliveries are waiting (limit ${queue.threshold[tier]})`,
        description: `Records not yet consumed in ${topicNames(prefix).tier(tier)}, its retry topics and its parking topic.`,
        share: () => 1,
        subscriptions: () => [],
      });
    }
  }

  const disabledRule = alerts.autoDisabled;
  for (const disabled of disabledRule.enabled ? (signals.autoDisabled ?? []) : []) {
    const shareWindowMs = scale(alerts.sloBreach.windowMs);
    out.push({
      ...base('autoDisabled', disabledRule),
      fingerprintLabels: labels('autoDisabled', disabled.tier, { [SUBSCRIPTION_LABEL]: disabled.id }),
      impactTier: disabled.tier,
      // Fires while it stays disabled (1 > 0); enabled, the instance is gone and the engine resolves it.
      value: 1,
      threshold: 0,
      resolveThreshold: 0,
      summary: `Subscription ${disabled.id} (tier ${disabled.tier}) was auto-disabled at ${disabled.at}`,
      description: `${disabled.reason}. Its deliveries go to the DLQ without a request; fix the receiver, then "hookrail subscriptions enable ${disabled.id} --replay-since ${disabled.at}".`,
      // Its share of the tier's attempts (parked deliveries count); all of it when the tier had none.
      share: () => {
        const subscriptions = signals.subscriptions(disabled.tier, shareWindowMs);
        return subscriptions.some((s) => s.attempts > 0) ? affectedShare(subscriptions, (s) => s.id === disabled.id) : 1;
      },
      subscriptions: () => [disabled.id],
    });
  }

  for (const group of signals.groups) {
    const impactTier: Tier = group.tier === 'all' ? 1 : group.tier;
    const lag = alerts.lag;
    if (lag.enabled) {
      const threshold = lag.thresholdSeconds[impactTier];
      out.push({
        ...base('lag', lag),
        fingerprintLabels: labels('lag', group.tier, { [GROUP_LABEL]: group.group }),
        impactTier,
        value: group.lagSeconds,
        threshold,
        resolveThreshold: threshold * alerts.resolveRatio,
        summary: `Consumer group ${group.group} is ${group.lagSeconds.toFixed(0)} s behind (limit ${threshold} s)`,
        description: `The oldest record ${group.group} has not consumed is ${group.lagSeconds.toFixed(1)} s old.`,
        share: () => 1,
        subscriptions: () => [],
      });
    }
    const status = alerts.groupStatus;
    if (status.enabled) {
      out.push({
        ...base('groupStatus', status),
        fingerprintLabels: labels('groupStatus', group.tier, { [GROUP_LABEL]: group.group }),
        impactTier,
        value: GROUP_STATUS_CODE[group.status],
        threshold: GROUP_STATUS_CODE.WARNING,
        resolveThreshold: GROUP_STATUS_CODE.OK,
        summary: `Consumer group ${group.group} is ${group.status}`,
        description: `${group.group} has lag and its committed offsets ${group.status === 'STOPPED' ? 'have no consumer' : 'do not move'}.`,
        share: () => 1,
        subscriptions: () => [],
      });
    }
  }
  const breaker = alerts.breakerOpen;
  if (breaker.enabled && signals.destinations) {
    out.push(
      ...breakerOpenRules({
        tiers: TIERS,
        destinations: signals.destinations,
        subscriptions: (tier) => signals.subscriptions(tier, scale(alerts.burnFast.shortWindowMs)),
        base: base('breakerOpen', breaker),
        labels: (tier, extra) => labels('breakerOpen', tier, extra),
      }),
    );
  }
  return out;
}
