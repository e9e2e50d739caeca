import type { RetryRung } from '@hookrail/shared';

/**
 * Where a delivery goes when receiver protection holds it back without a request
 * (docs/architecture.md, "Protecting receivers"). Data in, decision out.
 *
 * Protection exists to keep deliveries flowing, never to decide their fate, so a hold never
 * spends an attempt or a rung of the delivery's ladder: its `hookrail-attempt` and
 * `hookrail-rung` stay as they were, and its next real attempt fails over to the rung it would
 * have used anyway. It only waits, on one of the tier's delay topics:
 *
 * - **held** (the endpoint's breaker is open, or it asked for a pause with Retry-After): until
 *   the wait is over (at least `MIN_HOLD_MS`), on the first rung whose delay covers it. Only a
 *   receiver that stays down past the horizon (the delivery's ladder plus `maxHoldMs`, counted
 *   from its first attempt, or from when it was first held) dead-letters it, as `circuit-open`.
 * - **spilled** (the endpoint is saturated: its in-flight limit full with its share of the
 *   lane behind it): it leaves the lane so the partition's committed offset moves on, and comes
 *   back after 1 s, then 4 s, 16 s, 64 s (each spill of the same delivery one rung further, at
 *   most the 64 s rung or the tier's last), so a destination that stays saturated costs a
 *   bounded number of writes. A spill never dead-letters: the receiver is answering.
 */
export const MIN_HOLD_MS = 1_000;
/** Spills back off up to this delay. */
export const MAX_SPILL_DELAY_MS = 64_000;

export interface Waiting {
  attempt: number;
  firstAttemptAt?: number | undefined;
  heldSince?: number | undefined;
  spilled?: number | undefined;
}

export type HoldDecision =
  | { action: 'wait'; rungIndex: number; notBefore: number; heldSince: number }
  | { action: 'give-up'; heldSince: number; heldForMs: number };

export interface HoldInput {
  delivery: Waiting;
  /** The tier's delay topics, in order. */
  rungs: readonly RetryRung[];
  nowMs: number;
  random: () => number;
  jitterRatio: number;
}

/** A delivery the breaker or a pause holds back for `waitMs`; `horizonMs` = its ladder's horizon + maxHoldMs. */
export function decideHold(input: HoldInput & { waitMs: number; horizonMs: number }): HoldDecision {
  const { delivery, rungs, nowMs, waitMs, horizonMs } = input;
  const heldSince = delivery.heldSince ?? nowMs;
  const since = delivery.firstAttemptAt ?? heldSince;
  if (rungs.length === 0 || nowMs - since >= horizonMs) return { action: 'give-up', heldSince, heldForMs: nowMs - heldSince };
  const wait = Math.max(MIN_HOLD_MS, waitMs);
  const index = rungs.findIndex((rung) => rung.delayMs >= wait);
  const rungIndex = index === -1 ? rungs.length - 1 : index;
  const jitterMs = Math.floor(input.random() * input.jitterRatio * wait);
  return { action: 'wait', rungIndex, notBefore: nowMs + Math.min(wait, rungs[rungIndex]!.delayMs) + jitterMs, heldSince };
}

/** A delivery spilled from a saturated endpoint: one rung further per spill, up to 64 s; undefined when the tier has no delay topic. */
export function decideSpill(input: HoldInput): { rungIndex: number; notBefore: number; heldSince: number; spilled: number } | undefined {
  const { delivery, rungs, nowMs } = input;
  if (rungs.length === 0) return undefined;
  let top = rungs.findIndex((rung) => rung.delayMs >= MAX_SPILL_DELAY_MS);
  if (top === -1) top = rungs.length - 1;
  const spilled = delivery.spilled ?? 0;
  const rungIndex = Math.min(spilled, top);
  const delay = rungs[rungIndex]!.delayMs;
  const jitterMs = Math.floor(input.random() * input.jitterRatio * delay);
  return { rungIndex, notBefore: nowMs + delay + jitterMs, heldSince: delivery.heldSince ?? nowMs, spilled: spilled + 1 };
}
