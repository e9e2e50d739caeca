// Which test file the runner starts next, pure. Files run in parallel, each in its own
// process; the longest start first (so the run is not left waiting on one long file at its
// end), and a heavy file (one that starts brokers, a cluster, containers or a JVM of its own)
// never runs beside another heavy one: two of them on two cores starve each other's brokers
// and turn waits into timeouts.

export interface Schedulable {
  name: string;
  /** Expected duration (from the last measurement, costs.ts). */
  costMs: number;
  heavy: boolean;
}

/** The job to start now, or undefined to wait for one to finish. */
export function nextJob<J extends Schedulable>(waiting: readonly J[], running: readonly J[], slots: number): J | undefined {
  if (running.length >= slots) return undefined;
  const heavyRunning = running.some((job) => job.heavy);
  let best: J | undefined;
  for (const job of waiting) {
    if (job.heavy && heavyRunning) continue;
    if (!best || job.costMs > best.costMs) best = job;
  }
  return best;
}
