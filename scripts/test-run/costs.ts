// What each test job costs, for the scheduler (schedule.ts): seconds measured alone on the
// 2-core development machine (scripts/run-tests.ts prints them after every run; update them
// here when a file changes much), and whether it is heavy: it starts brokers of its own, a
// cluster, containers or another JVM, and must not run beside another heavy file.
const costs: Record<string, { seconds: number; heavy?: true }> = {
  'unit tests': { seconds: 120 },
};

/** A file not in the table is expected to take a minute and be light. */
export function fileCost(name: string): { costMs: number; heavy: boolean } {
  const cost = costs[name];
  return { costMs: (cost?.seconds ?? 60) * 1_000, heavy: cost?.heavy ?? false };
}
