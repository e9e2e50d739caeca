import { TIERS, type AttemptEntry, type Tier } from '@hookrail/shared';
import { ATTEMPT_BUCKETS, E2E_BUCKETS, endToEndSeconds } from '../delivery-stats.ts';
import type { StatusReport } from '../status.ts';
import { bucketIndex, quantiles, type Quantiles } from './quantile.ts';

/** How steady a queue was: the spread of its length over the period. */
export interface QueueStats {
  samples: number;
  mean: number;
  stddev: number;
  max: number;
  /** stddev / mean (coefficient of variation); null for an empty queue. */
  cv: number | null;
}

export interface TierPeriod {
  attempts: number;
  /** Failed share of the attempts; null without attempts. */
  errorRate: number | null;
  attemptLatency: Quantiles;
  endToEnd: Quantiles;
  queue: QueueStats | null;
}

export interface PeriodSummary {
  label: string;
  from: string;
  to: string;
  tiers: Record<string, TierPeriod>;
}

export function queueStats(values: readonly number[]): QueueStats | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  const stddev = Math.sqrt(variance);
  return { samples: values.length, mean, stddev, max: Math.max(...values), cv: mean > 0 ? stddev / mean : null };
}

/**
 * Deliveries waiting at each of `samples` instants of [from, to), rebuilt from the attempts:
 * a delivery waits from its event time to its first attempt, and from the end of each failed
 * attempt to the next one (or to the end of the period if there is none in it).
 */
export function waitingSeries(entries: readonly AttemptEntry[], from: number, to: number, samples: number): number[] {
  const intervals: Array<[number, number]> = [];
  for (const list of Map.groupBy(entries, (e) => e.deliveryId).values()) {
    list.sort((a, b) => a.attempt - b.attempt || a.attemptedAt - b.attemptedAt);
    let waitingSince: number | undefined;
    for (const entry of list) {
      const start = entry.attempt <= 1 ? (entry.eventTime > 0 ? entry.eventTime : entry.attemptedAt) : (waitingSince ?? from);
      intervals.push([start, entry.attemptedAt]);
      waitingSince = entry.outcome === 'retry' ? entry.attemptedAt + entry.durationMs : undefined;
    }
    if (waitingSince !== undefined) intervals.push([waitingSince, to]);
  }
  const out: number[] = [];
  const step = (to - from) / samples;
  for (let i = 0; i < samples; i++) {
    const t = from + (i + 0.5) * step;
    out.push(intervals.filter(([a, b]) => a <= t && t < b).length);
  }
  return out;
}

/** A period's summary from the attempt records of [from, to). */
export function summarizeAttempts(entries: readonly AttemptEntry[], from: number, to: number, label: string, samples = 60): PeriodSummary {
  const inRange = entries.filter((e) => e.attemptedAt >= from && e.attemptedAt < to);
  const tiers: Record<string, TierPeriod> = {};
  for (const tier of TIERS) {
    const list = inRange.filter((e) => e.tier === tier);
    const latency = new Array<number>(ATTEMPT_BUCKETS.length + 1).fill(0);
    const e2e = new Array<number>(E2E_BUCKETS.length + 1).fill(0);
    let delivered = 0;
    for (const e of list) {
      if (e.outcome === 'delivered') delivered++;
      if (e.http) latency[bucketIndex(ATTEMPT_BUCKETS, e.durationMs / 1_000)]!++;
      const seconds = endToEndSeconds(e);
      if (seconds !== undefined) e2e[bucketIndex(E2E_BUCKETS, seconds)]!++;
    }
    tiers[String(tier)] = {
      attempts: list.length,
      errorRate: list.length > 0 ? (list.length - delivered) / list.length : null,
      attemptLatency: quantiles(ATTEMPT_BUCKETS, latency),
      endToEnd: quantiles(E2E_BUCKETS, e2e),
      queue: queueStats(waitingSeries(list, from, to, samples)),
    };
  }
  return { label, from: new Date(from).toISOString(), to: new Date(to).toISOString(), tiers };
}

/** A period's summary from a saved /status document: its window and its queue history. */
export function summarizeStatus(status: StatusReport, label: string): PeriodSummary {
  const tiers: Record<string, TierPeriod> = {};
  for (const t of status.tiers) {
    tiers[String(t.tier)] = {
      attempts: t.attempts,
      errorRate: t.successRate === null ? null : 1 - t.successRate,
      attemptLatency: t.attemptLatency,
      endToEnd: t.endToEnd,
      queue: queueStats(status.history.queue.map((s) => s.tiers[String(t.tier)] ?? 0)),
    };
  }
  const generated = Date.parse(status.generatedAt);
  return { label, from: new Date(generated - status.window.ms).toISOString(), to: status.generatedAt, tiers };
}

export type Verdict = 'better' | 'worse' | 'same' | 'n/a';

export interface ComparisonRow {
  tier: Tier;
  metric: string;
  unit: 'ratio' | 's' | 'records';
  before: number | null;
  after: number | null;
  change: number | null;
  /** Relative change; null when `before` is 0 or missing. */
  changeRatio: number | null;
  verdict: Verdict;
}

/** Changes smaller than this (absolute) or than 5 % (relative) are "same". */
const NOISE: Record<ComparisonRow['unit'], number> = { ratio: 0.0005, s: 0.001, records: 1 };

export function verdictOf(before: number | null, after: number | null, unit: ComparisonRow['unit']): Verdict {
  if (before === null || after === null) return 'n/a';
  const delta = after - before;
  if (Math.abs(delta) <= Math.max(NOISE[unit], Math.abs(before) * 0.05)) return 'same';
  return delta < 0 ? 'better' : 'worse'; // every compared figure is better lower
}

/** Before → after, per tier: error rate, latency, queue-length level and stability. */
export function comparePeriods(before: PeriodSummary, after: PeriodSummary): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const tier of TIERS) {
    const b = before.tiers[String(tier)];
    const a = after.tiers[String(tier)];
    if (!b || !a) continue;
    if (b.attempts === 0 && a.attempts === 0 && !b.queue?.max && !a.queue?.max) continue;
    const add = (metric: string, unit: ComparisonRow['unit'], x: number | null | undefined, y: number | null | undefined) => {
      const bv = x ?? null;
      const av = y ?? null;
      const change = bv === null || av === null ? null : av - bv;
      rows.push({ tier, metric, unit, before: bv, after: av, change, changeRatio: change === null || !bv ? null : change / bv, verdict: verdictOf(bv, av, unit) });
    };
    add('error rate', 'ratio', b.errorRate, a.errorRate);
    add('attempt latency p50', 's', b.attemptLatency.p50, a.attemptLatency.p50);
    add('attempt latency p95', 's', b.attemptLatency.p95, a.attemptLatency.p95);
    add('attempt latency p99', 's', b.attemptLatency.p99, a.attemptLatency.p99);
    add('end-to-end p95', 's', b.endToEnd.p95, a.endToEnd.p95);
    add('queue length mean', 'records', b.queue?.mean, a.queue?.mean);
    add('queue length stddev', 'records', b.queue?.stddev, a.queue?.stddev);
    add('queue length max', 'records', b.queue?.max, a.queue?.max);
  }
  return rows;
}

const show = (value: number | null, unit: ComparisonRow['unit']) => {
  if (value === null) return '—';
  if (unit === 'ratio') return `${(value * 100).toFixed(3)}%`;
  if (unit === 's') return value < 1 ? `${(value * 1_000).toFixed(1)}ms` : `${value.toFixed(2)}s`;
  return value.toFixed(1);
};

/** The report as text: one line per tier and figure. */
export function formatComparison(before: PeriodSummary, after: PeriodSummary, rows: readonly ComparisonRow[]): string {
  const lines = [
    `before: ${before.label} (${before.from} … ${before.to})`,
    `after:  ${after.label} (${after.from} … ${after.to})`,
    '',
  ];
  const table = [['tier', 'metric', 'before', 'after', 'change', 'verdict']];
  for (const r of rows) {
    const change = r.change === null ? '—' : `${r.change >= 0 ? '+' : ''}${show(r.change, r.unit)}${r.changeRatio === null ? '' : ` (${r.changeRatio >= 0 ? '+' : ''}${(r.changeRatio * 100).toFixed(0)}%)`}`;
    table.push([String(r.tier), r.metric, show(r.before, r.unit), show(r.after, r.unit), change, r.verdict]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) lines.push(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  if (rows.length === 0) lines.push('(no traffic in either period)');
  const worse = rows.filter((r) => r.verdict === 'worse').length;
  const better = rows.filter((r) => r.verdict === 'better').length;
  lines.push('', `${better} better, ${worse} worse, ${rows.length - better - worse} same or n/a`);
  return lines.join('\n');
}
