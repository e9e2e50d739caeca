// What each test job costs, for the scheduler (schedule.ts): its wall time in seconds in a
// parallel run (capacity 4) on the 2-core development machine, shared with other test runs
// (scripts/run-tests.ts prints them after every run; update them here when a file changes
// much: only their order matters), and its load: 1 for a file whose services use the shared
// broker; 2 for one that runs brokers or another JVM of its own (a schema registry, a
// three-node cluster), Prometheus, Chromium or the container stack, and for conservation
// (2,000 events through services SIGKILLed in turn: it timed out at its 240 s beside three
// other files on a machine at load 30).
const costs: Record<string, { seconds: number; load?: 2 | 3 }> = {
  'shared/src/**/*.test.ts': { seconds: 36 },
  'services/deliverer/src/**/*.test.ts': { seconds: 61 },
  'services/monitor/src/**/*.test.ts': { seconds: 60 },
  'services/router/src/**/*.test.ts': { seconds: 64, load: 2 },
  'cli/src/**/*.test.ts': { seconds: 37 },
  'bench/src/**/*.test.ts': { seconds: 3 },
  'scripts/**/*.test.ts': { seconds: 9 },
  'test/auto-disable.test.ts': { seconds: 120 },
  'test/backfill.test.ts': { seconds: 205 },
  'test/broker-restart.test.ts': { seconds: 139, load: 2 },
  'test/cli-first-hour.test.ts': { seconds: 301 },
  'test/cli-kafka-script.test.ts': { seconds: 63, load: 2 },
  'test/cli-package.test.ts': { seconds: 5 },
  'test/cli.test.ts': { seconds: 175 },
  'test/cluster-conservation.test.ts': { seconds: 278, load: 2 },
  'test/cluster.test.ts': { seconds: 248, load: 2 },
  'test/conservation.test.ts': { seconds: 109, load: 2 },
  'test/containers.test.ts': { seconds: 496, load: 2 },
  'test/deliverer.test.ts': { seconds: 49 },
  'test/demo-tally.test.ts': { seconds: 2 },
  'test/helm.test.ts': { seconds: 8 },
  'test/kafkajs-compat.test.ts': { seconds: 6 },
  'test/monitor-alerts.test.ts': { seconds: 71, load: 2 },
  'test/monitor-lag.test.ts': { seconds: 62 },
  'test/monitor-prometheus.test.ts': { seconds: 74, load: 2 },
  'test/monitor-promtool.test.ts': { seconds: 7 },
  'test/ops-ports.test.ts': { seconds: 6 },
  'test/ordered.test.ts': { seconds: 155 },
  'test/parking.test.ts': { seconds: 53 },
  'test/poison-records.test.ts': { seconds: 18 },
  'test/readme.test.ts': { seconds: 146 },
  'test/receiver-protection.test.ts': { seconds: 107 },
  'test/registry.test.ts': { seconds: 20 },
  'test/router.test.ts': { seconds: 10, load: 2 },
  'test/service-lifecycle.test.ts': { seconds: 84 },
  'test/shutdown-deadline.test.ts': { seconds: 100, load: 2 },
  'test/topics.test.ts': { seconds: 7 },
  'test/two-instances.test.ts': { seconds: 234, load: 2 },
};

/** A file not in the table is expected to take a minute, with load 1. */
export function fileCost(name: string): { costMs: number; load: number } {
  const cost = costs[name];
  return { costMs: (cost?.seconds ?? 60) * 1_000, load: cost?.load ?? 1 };
}
