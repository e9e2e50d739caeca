/**
 * The retry ladder is data: one delay topic per rung, each with a fixed delay. A tier uses the
 * first N rungs (tier 1 all eight ≈ 6 h, tier 2 six ≈ 23 min, tier 3 five ≈ 6 min).
 */
export interface RetryRung {
  /** Suffix of the delay topic: `hookrail.tier1.retry.<name>`. */
  readonly name: string;
  readonly delayMs: number;
}

export const RETRY_LADDER: readonly RetryRung[] = [1, 4, 16, 64, 256, 1024, 4096, 16384].map(
  (seconds) => ({ name: `${seconds}s`, delayMs: seconds * 1_000 }),
);

/** The rungs a tier with `retries` retries uses, in order. */
export function ladderFor(retries: number): readonly RetryRung[] {
  return RETRY_LADDER.slice(0, retries);
}

/** Sum of the ladder's delays: how long a delivery may keep retrying, jitter aside. */
export function retryHorizonMs(retries: number): number {
  return ladderFor(retries).reduce((sum, rung) => sum + rung.delayMs, 0);
}
