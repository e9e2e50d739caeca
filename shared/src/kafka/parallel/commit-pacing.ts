/**
 * How long the commit loop waits before its next transaction. A transaction costs the broker
 * about the same whatever it carries (a round trip per step, a marker per partition), so the
 * pause trades the wait of each outcome against the number of transactions:
 *
 * - after a transaction, the pause is as long as that transaction took, between
 *   `MIN_GATHER_MS` and the interval: a quick broker gets transactions almost back to back
 *   (an outcome waits about one transaction), a slow one gets fewer, larger transactions,
 *   which is what a busy broker needs; at most half of the loop's time is spent in
 *   transactions;
 * - idle, the loop waits for the first outcome (or the interval), then gathers
 *   `MIN_GATHER_MS` more.
 *
 * Measured against a fixed interval in docs/performance.md ("Latency at steady load").
 */

/** The shortest gathering: outcomes completing together share a transaction. */
export const MIN_GATHER_MS = 2;

/** The pause after a transaction that took `transactionMs`, for a loop whose longest is `intervalMs`. */
export function pauseAfterTransaction(transactionMs: number, intervalMs: number): number {
  const longest = Math.max(MIN_GATHER_MS, intervalMs);
  return Math.min(longest, Math.max(MIN_GATHER_MS, Math.round(transactionMs)));
}
