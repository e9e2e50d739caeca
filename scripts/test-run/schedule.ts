// Which test job the runner starts next, pure. Jobs run in parallel, each in its own process,
// as long as their loads fit the capacity: a light file (its services on the shared broker)
// has load 1; a heavy one more (2: a broker or a JVM of its own; 3: a three-node cluster or
// the container stack), so heavy files run beside light ones rather than beside each other:
// two clusters on two cores starve each other's brokers and turn waits into timeouts. The
// longest start first, so the run does not end waiting on one long file started last.

export interface Schedulable {
  name: string;
  /** Expected duration (from the last measurement, costs.ts). */
  costMs: number;
  load: number;
}

/** The job to start now, or undefined to wait for one to finish. */
export function nextJob<J extends Schedulable>(waiting: readonly J[], running: readonly J[], capacity: number): J | undefined {
  const used = running.reduce((sum, job) => sum + job.load, 0);
  let best: J | undefined;
  for (const job of waiting) {
    // A job heavier than the whole capacity still runs, alone.
    const fits = used + job.load <= capacity || running.length === 0;
    if (fits && (!best || job.costMs > best.costMs)) best = job;
  }
  return best;
}
