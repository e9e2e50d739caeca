import type { RetryRung } from '@hookrail/shared';
import type { Classification } from './classify.ts';

/**
 * The retry decision: given how an attempt was classified and where the delivery stands on its
 * ladder, where does it go next (DESIGN.md, "Tiers and their SLOs").
 *
 * Bookkeeping the caller carries on each retry record:
 * - `hookrail-attempt` = attempts made so far (this decision's `attemptsMade`);
 * - `hookrail-rung` = the returned `rungIndex`; passed back as `lastRungIndex` next time;
 * - `hookrail-not-before` = the returned `notBefore`.
 *
 * Rungs are consumed in order and never revisited. Normally attempt n (1-based) that fails goes
 * to rung n-1; a Retry-After may jump further up the ladder, and the rungs jumped over are
 * spent: the next failure continues after the rung used. So a delivery makes at most
 * ladder.length + 1 attempts (fewer when Retry-After jumps), and never waits longer in total
 * than the tier's horizon plus jitter.
 */
export interface RetryDecisionInput {
  classification: Classification;
  /** Attempts made so far, including the one just classified (1 for the first attempt). */
  attemptsMade: number;
  /** The tier's rungs, or the subscription's override. */
  ladder: readonly RetryRung[];
  /** The rung the record was consumed from (`hookrail-rung`); undefined for a first attempt. */
  lastRungIndex?: number;
  nowMs: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
  /** Extra wait as a fraction of the rung's delay, at most; default 0.1. */
  jitterRatio?: number;
}

export type RetryDecision =
  | { action: 'done' }
  | { action: 'retry'; rung: RetryRung; rungIndex: number; notBefore: number }
  | { action: 'dead-letter'; reason: 'permanent' | 'exhausted'; detail: string };

export const DEFAULT_JITTER_RATIO = 0.1;

export function decideRetry(input: RetryDecisionInput): RetryDecision {
  const { classification, attemptsMade, ladder, lastRungIndex, nowMs, random } = input;
  const jitterRatio = input.jitterRatio ?? DEFAULT_JITTER_RATIO;
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be a whole number >= 1, got ${attemptsMade}`);
  }
  if (lastRungIndex !== undefined && (!Number.isInteger(lastRungIndex) || lastRungIndex < 0)) {
    throw new RangeError(`lastRungIndex must be a whole number >= 0, got ${lastRungIndex}`);
  }
  if (!(jitterRatio >= 0)) throw new RangeError(`jitterRatio must be >= 0, got ${jitterRatio}`);

  if (classification.outcome === 'delivered') return { action: 'done' };
  if (classification.outcome === 'permanent') {
    return { action: 'dead-letter', reason: 'permanent', detail: classification.reason };
  }

  // The rung this attempt would use anyway; never at or below a rung already used.
  const earliest = Math.max(attemptsMade - 1, lastRungIndex === undefined ? 0 : lastRungIndex + 1);
  if (earliest >= ladder.length) {
    return {
      action: 'dead-letter',
      reason: 'exhausted',
      detail: `${classification.reason} after ${attemptsMade} attempt${attemptsMade === 1 ? '' : 's'}`,
    };
  }

  const rungIndex = rungCovering(ladder, earliest, classification.retryAfterMs);
  const rung = ladder[rungIndex]!;
  // The chosen rung's delay covers Retry-After, except past the last rung: there the wait is
  // the last rung's delay, so a receiver cannot push a delivery beyond the tier's horizon.
  const jitterMs = Math.floor(random() * jitterRatio * rung.delayMs);
  return { action: 'retry', rung, rungIndex, notBefore: nowMs + rung.delayMs + jitterMs };
}

/**
 * The first rung at or after `from` whose delay covers `retryAfterMs`, or the last rung when
 * none does. Every record in a rung's topic waits that topic's fixed delay, so a record never
 * holds up the ones behind it (a longer wait would pause the partition for all of them).
 */
function rungCovering(ladder: readonly RetryRung[], from: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined) return from;
  for (let index = from; index < ladder.length; index++) {
    if (ladder[index]!.delayMs >= retryAfterMs) return index;
  }
  return ladder.length - 1;
}
