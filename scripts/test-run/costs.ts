// What each test job costs, for the scheduler (schedule.ts): its wall time in seconds,
// measured in a parallel run on the 2-core development machine (scripts/run-tests.ts prints
// them after every run; update them here when a file changes much), and its load: 1 for a
// file whose services use the shared broker; 2 for one that runs a broker or another JVM of
// its own (a schema registry), Prometheus or Chromium; 3 for a three-node cluster or the
// container stack.
const costs: Record<string, { seconds: number; load?: 2 | 3 }> = {
  'shared/src/**/*.test.ts': { seconds: 40 },
  'services/deliverer/src/**/*.test.ts': { seconds: 70 },
  'services/monitor/src/**/*.test.ts': { seconds: 40 },
  'services/router/src/**/*.test.ts': { seconds: 100, load: 2 },
  'cli/src/**/*.test.ts': { seconds: 33 },
  'bench/src/**/*.test.ts': { seconds: 5 },
  'scripts/**/*.test.ts': { seconds: 11 },
  'test/auto-disable.test.ts': { seconds: 25 },
  'test/backfill.test.ts': { seconds: 42 },
  'test/broker-restart.test.ts': { seconds: 81, load: 2 },
  'test/cli-first-hour.test.ts': { seconds: 44 },
  'test/cli-kafka-script.test.ts': { seconds: 9, load: 2 },
  'test/cli-package.test.ts': { seconds: 1 },
  'test/cli.test.ts': { seconds: 27 },
  'test/cluster-conservation.test.ts': { seconds: 130, load: 2 },
  'test/cluster.test.ts': { seconds: 125, load: 2 },
  'test/conservation.test.ts': { seconds: 180 },
  'test/containers.test.ts': { seconds: 300, load: 2 },
  'test/deliverer.test.ts': { seconds: 47 },
  'test/demo-tally.test.ts': { seconds: 2 },
  'test/helm.test.ts': { seconds: 19 },
  'test/kafkajs-compat.test.ts': { seconds: 8 },
  'test/monitor-alerts.test.ts': { seconds: 71, load: 2 },
  'test/monitor-lag.test.ts': { seconds: 47 },
  'test/monitor-prometheus.test.ts': { seconds: 52, load: 2 },
  'test/monitor-promtool.test.ts': { seconds: 22 },
  'test/ops-ports.test.ts': { seconds: 1 },
  'test/ordered.test.ts': { seconds: 178 },
  'test/parking.test.ts': { seconds: 39 },
  'test/poison-records.test.ts': { seconds: 16 },
  'test/readme.test.ts': { seconds: 140 },
  'test/receiver-protection.test.ts': { seconds: 73 },
  'test/registry.test.ts': { seconds: 15 },
  'test/router.test.ts': { seconds: 60, load: 2 },
  'test/service-lifecycle.test.ts': { seconds: 30 },
  'test/shutdown-deadline.test.ts': { seconds: 60, load: 2 },
  'test/topics.test.ts': { seconds: 20 },
  'test/two-instances.test.ts': { seconds: 60, load: 2 },
};

/** A file not in the table is expected to take a minute, with load 1. */
export function fileCost(name: string): { costMs: number; load: number } {
  const cost = costs[name];
  return { costMs: (cost?.seconds ?? 60) * 1_000, load: cost?.load ?? 1 };
}
