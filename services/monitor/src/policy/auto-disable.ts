import { formatDuration } from './alert-rules.ts';

/**
 * Endpoint auto-disable: when has a subscription's receiver failed *continuously* for its
 * tier's window W? Pure: attempts and the clock come in, a decision goes out.
 *
 * A subscription's **failure streak** starts at its first failed HTTP attempt after the
 * latest of: its last successful attempt, its last `subscriptions enable`, the start of what
 * the monitor has seen. A successful attempt ends it. A delivery held back because the
 * destination's circuit breaker is open (or the receiver asked it to pause, Retry-After) is a
 * failure too: the receiver's own failures put it there, and with the breaker on, held
 * deliveries and a few probes are all a failing receiver gets. Other attempts without an HTTP
 * request (subscription missing, disabled, bad secret) are not evidence about the receiver and
 * are left out. The receiver has failed continuously over W when, at `now`:
 *
 * 1. the streak started at least W ago (no success for the whole window), and
 * 2. at least `minFailures` failed attempts were made within the last W (the receiver was
 *    still being tried, and still failing, at the end of the window: a burst of failures
 *    followed by silence is stale evidence, not continuous failure).
 *
 * Only the newest `minFailures` failure times are kept, so memory per subscription is bounded.
 */
export interface AutoDisableRule {
  /** W in ms; 0 turns auto-disable off for the tier. */
  afterMs: number;
  minFailures: number;
}

export interface FailureStreak {
  /** Attempt time of the streak's first failure. */
  since: number;
  /** The newest failure times, ascending, at most minFailures of them. */
  recent: number[];
}

export interface HttpAttempt {
  delivered: boolean;
  /** Epoch ms of the attempt. */
  at: number;
}

/** Whether an attempt log entry says something about the receiver (see above). */
export function isReceiverEvidence(entry: { http: boolean; errorClass?: string }): boolean {
  return entry.http || entry.errorClass === 'circuit-open' || entry.errorClass === 'destination-paused';
}

/** The streak after one more HTTP attempt; undefined when there is none. */
export function nextStreak(streak: FailureStreak | undefined, attempt: HttpAttempt, keep: number): FailureStreak | undefined {
  // Attempts of one subscription arrive nearly in order (one partition of the attempts topic);
  // a success that arrives late ends the streak anyway: disabling later, never sooner.
  if (attempt.delivered) return undefined;
  if (!streak) return { since: attempt.at, recent: [attempt.at] };
  const recent = [...streak.recent, attempt.at].sort((a, b) => a - b).slice(-Math.max(1, keep));
  return { since: Math.min(streak.since, attempt.at), recent };
}

export type AutoDisableDecision = { disable: false } | { disable: true; reason: string };

/** Whether the streak is continuous failure over the rule's window at `now`, and why, in words. */
export function autoDisableDecision(streak: FailureStreak | undefined, rule: AutoDisableRule, now: number): AutoDisableDecision {
  if (rule.afterMs <= 0 || !streak) return { disable: false };
  if (now - streak.since < rule.afterMs) return { disable: false };
  const inWindow = streak.recent.filter((at) => at >= now - rule.afterMs && at <= now).length;
  if (inWindow < rule.minFailures) return { disable: false };
  return {
    disable: true,
    reason: `every attempt failed since ${new Date(streak.since).toISOString()} (at least ${rule.minFailures} in the last ${formatDuration(rule.afterMs)}, none delivered): auto-disabled after ${formatDuration(rule.afterMs)} of continuous failure`,
  };
}
