/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. `take` answers
 * 0 when a request may start now (and spends a token), else how many ms until one may.
 */
export interface TokenBucket {
  readonly ratePerSecond: number;
  take(nowMs: number): number;
}

export function createTokenBucket(ratePerSecond: number, burst = Math.max(1, ratePerSecond), startMs = 0): TokenBucket {
  let tokens = burst;
  let updatedAt = startMs;
  return {
    ratePerSecond,
    take(nowMs) {
      tokens = Math.min(burst, tokens + ((nowMs - updatedAt) * ratePerSecond) / 1_000);
      updatedAt = nowMs;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) * 1_000) / ratePerSecond);
    },
  };
}
