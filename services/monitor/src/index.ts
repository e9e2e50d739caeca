// What other packages (the hookrail CLI, tests) use of the monitor.
export { beforeAfterReport, parsePeriod, readAttemptRange, type PeriodSpec, type Report } from './report.ts';
export { comparePeriods, formatComparison, summarizeAttempts, summarizeStatus, type ComparisonRow, type PeriodSummary } from './policy/compare.ts';
export { monitorConfigSchema, monitorEnv, type MonitorConfig } from './config.ts';
export { readOffsets, type OffsetSnapshot, type PartitionLag } from './offsets.ts';
export type { StatusReport } from './status.ts';
export type { AlertRecord } from './alerts/engine.ts';
export { RULE_NAMES } from './policy/alert-rules.ts';
