/**
 * Incident score = severity × likelihood × impact (docs/monitoring.md, "Incident scoring").
 *
 * - Severity, from the alert's data-loss risk, downtime and user impact:
 *   critical (4) = downtime, or data-loss risk with high user impact;
 *   major (2) = data-loss risk or high user impact; minor (1) = neither.
 * - Likelihood, from how often the same alert fired in the history window before:
 *   0 times → 1, once → 2, 2–4 times → 3, 5 or more → 4.
 * - Impact = 10 × tier weight × √(share of the tier's traffic affected), 0…10. The square
 *   root keeps one broken integration among many visible: a tenth of the traffic gives
 *   ~32 % of the impact, not 10 %.
 *
 * Score 0…160, rounded to one decimal; priority P1 ≥ 25, P2 ≥ 10, P3 ≥ 4, else P4.
 */
export type Severity = 'critical' | 'major' | 'minor';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export const SEVERITY_POINTS: Readonly<Record<Severity, number>> = { critical: 4, major: 2, minor: 1 };

export interface SeverityFacts {
  /** Deliveries may end up not delivered (parked in the DLQ, or at risk of it). */
  dataLossRisk: boolean;
  /** Deliveries are not happening at all for the affected traffic. */
  downtime: boolean;
  /** Receivers see the problem now (failures, delays) rather than only an internal signal. */
  userImpact: 'high' | 'low';
}

export function severityOf(facts: SeverityFacts): Severity {
  if (facts.downtime || (facts.dataLossRisk && facts.userImpact === 'high')) return 'critical';
  if (facts.dataLossRisk || facts.userImpact === 'high') return 'major';
  return 'minor';
}

export function likelihoodOf(recurrences: number): 1 | 2 | 3 | 4 {
  if (recurrences <= 0) return 1;
  if (recurrences === 1) return 2;
  if (recurrences <= 4) return 3;
  return 4;
}

/** Earlier firings of the same alert within `windowMs` before `now`. */
export function recurrencesIn(firings: readonly number[], now: number, windowMs: number): number {
  return firings.filter((at) => at < now && at >= now - windowMs).length;
}

export function impactOf(tierWeight: number, share: number): number {
  const s = Math.min(1, Math.max(0, share));
  return 10 * Math.min(1, Math.max(0, tierWeight)) * Math.sqrt(s);
}

export interface PriorityThresholds {
  P1: number;
  P2: number;
  P3: number;
}

export const DEFAULT_PRIORITIES: PriorityThresholds = { P1: 25, P2: 10, P3: 4 };

export function priorityOf(score: number, thresholds: PriorityThresholds = DEFAULT_PRIORITIES): Priority {
  if (score >= thresholds.P1) return 'P1';
  if (score >= thresholds.P2) return 'P2';
  if (score >= thresholds.P3) return 'P3';
  return 'P4';
}

export interface IncidentScore {
  severity: Severity;
  severityPoints: number;
  recurrences: number;
  likelihood: number;
  tierWeight: number;
  /** Share of the tier's traffic affected, 0…1. */
  share: number;
  impact: number;
  score: number;
  priority: Priority;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function scoreIncident(input: {
  severity: Severity;
  recurrences: number;
  tierWeight: number;
  share: number;
  thresholds?: PriorityThresholds;
}): IncidentScore {
  const severityPoints = SEVERITY_POINTS[input.severity];
  const likelihood = likelihoodOf(input.recurrences);
  // Share rounded first (to 4 places) so the same traffic always gives the same score.
  const share = round(Math.min(1, Math.max(0, input.share)), 4);
  const impact = round(impactOf(input.tierWeight, share), 2);
  const score = round(severityPoints * likelihood * impact, 1);
  return {
    severity: input.severity,
    severityPoints,
    recurrences: input.recurrences,
    likelihood,
    tierWeight: input.tierWeight,
    share,
    impact,
    score,
    priority: priorityOf(score, input.thresholds),
  };
}
