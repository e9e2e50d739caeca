/**
 * SLO arithmetic (Google SRE workbook, "Alerting on SLOs"). The SLI is the share of delivery
 * attempts answered 2xx; the error budget is 1 − SLO; the burn rate is how many times faster
 * than "exactly on budget" the budget is spent: error ratio / (1 − SLO).
 */
export interface WindowCounts {
  attempts: number;
  good: number;
}

/** Failed share of the attempts, or null below `minAttempts` (too few to judge). */
export function errorRatio(counts: WindowCounts, minAttempts = 1): number | null {
  if (counts.attempts < Math.max(1, minAttempts)) return null;
  return Math.min(1, Math.max(0, (counts.attempts - counts.good) / counts.attempts));
}

export function burnRate(ratio: number | null, slo: number): number | null {
  if (ratio === null) return null;
  return ratio / (1 - slo);
}

/**
 * Multi-window burn: the alert condition "long AND short window both burn faster than the
 * factor" is "min(long, short) > factor", so the min is the value compared with the factor.
 * The long window says the budget really is going; the short one says it still is, so the
 * alert resolves soon after the trouble stops.
 */
export function multiWindowBurn(long: number | null, short: number | null): number | null {
  if (long === null || short === null) return null;
  return Math.min(long, short);
}

/** Share of the budget of `periodMs` a constant `rate` spends in `windowMs`. */
export function budgetSpent(rate: number, windowMs: number, periodMs: number): number {
  return (rate * windowMs) / periodMs;
}
