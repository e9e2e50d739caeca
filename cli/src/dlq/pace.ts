/**
 * How long to wait before sending the record numbered `sent` (0-based) so that no more than
 * `perSecond` go out per second on average since `startedAt`. Pure: the clock is passed in.
 */
export function waitBeforeNext(sent: number, perSecond: number, startedAt: number, now: number): number {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return 0;
  return Math.max(0, Math.ceil(startedAt + (sent / perSecond) * 1_000 - now));
}

/** A progress bar: `[=========           ]  45/100  45 %`. */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} ${String(Math.floor(share * 100)).padStart(3)} %`;
}
