import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptEntry } from '@hookrail/shared';
import { parsePeriod } from '../report.ts';
import { comparePeriods, formatComparison, queueStats, summarizeAttempts, verdictOf, waitingSeries } from './compare.ts';

const entry = (over: Partial<AttemptEntry>): AttemptEntry => ({
  deliveryId: 'd', subscriptionId: 's', tier: 1, attempt: 1, outcome: 'delivered', http: true, status: 200,
  durationMs: 20, attemptedAt: 0, eventTime: 0, firstAttemptAt: 0, ...over,
});

describe('before/after comparison', () => {
  it('queue stability: mean, stddev, max, coefficient of variation', () => {
    assert.deepEqual(queueStats([2, 4, 4, 4, 5, 5, 7, 9]), { samples: 8, mean: 5, stddev: 2, max: 9, cv: 0.4 });
    assert.equal(queueStats([]), null);
    assert.equal(queueStats([0, 0])!.cv, null);
  });

  it('rebuilds waiting deliveries from attempts: before the first attempt and between retries', () => {
    const entries = [
      entry({ deliveryId: 'a', eventTime: 1, attemptedAt: 10, outcome: 'retry', status: 503, durationMs: 0 }),
      entry({ deliveryId: 'a', attempt: 2, attemptedAt: 30 }),
      entry({ deliveryId: 'b', eventTime: 20, attemptedAt: 40, outcome: 'retry', status: 500, durationMs: 0 }),
    ];
    // samples at 5, 15, 25, 35, 45: a waits [1,10) and [10,30); b waits [20,40) and [40,50).
    assert.deepEqual(waitingSeries(entries, 0, 50, 5), [1, 1, 2, 1, 1]);
  });

  it('compares error rate, latency and queue stability per tier with a verdict', () => {
    const healthy = Array.from({ length: 100 }, (_, i) => entry({ deliveryId: `h${i}`, attemptedAt: i * 10, eventTime: i * 10 - 5 }));
    const failing = Array.from({ length: 100 }, (_, i) =>
      entry({ deliveryId: `f${i}`, attemptedAt: 10_000 + i * 10, eventTime: 10_000 + i * 10 - 5, ...(i % 4 === 0 ? { outcome: 'retry', status: 500, durationMs: 400 } : {}) }),
    );
    const before = summarizeAttempts([...healthy, ...failing], 0, 1_000, 'before');
    const after = summarizeAttempts([...healthy, ...failing], 10_000, 11_000, 'after');
    assert.equal(before.tiers['1']!.errorRate, 0);
    assert.equal(after.tiers['1']!.errorRate, 0.25);
    const rows = comparePeriods(before, after);
    const byMetric = Object.fromEntries(rows.map((r) => [r.metric, r]));
    assert.equal(byMetric['error rate']!.verdict, 'worse');
    assert.equal(byMetric['error rate']!.change, 0.25);
    assert.equal(byMetric['attempt latency p99']!.verdict, 'worse');
    assert.ok(rows.every((r) => r.tier === 1), 'idle tiers are left out');
    const text = formatComparison(before, after, rows);
    assert.match(text, /error rate\s+0\.000%\s+25\.000%\s+\+25\.000%\s+worse/);
  });

  it('verdicts ignore noise', () => {
    assert.equal(verdictOf(0.1, 0.102, 's'), 'same');
    assert.equal(verdictOf(0.1, 0.2, 's'), 'worse');
    assert.equal(verdictOf(10, 2, 'records'), 'better');
    assert.equal(verdictOf(null, 2, 'records'), 'n/a');
  });

  it('parses periods: files, absolute and relative ranges', () => {
    assert.deepEqual(parsePeriod('before.json'), { kind: 'snapshot', file: 'before.json' });
    assert.deepEqual(parsePeriod('-2h..-1h', 10_000_000), { kind: 'range', from: 2_800_000, to: 6_400_000, text: '-2h..-1h' });
    const absolute = parsePeriod('2026-01-01T10:00:00Z..2026-01-01T11:00:00Z');
    assert.equal(absolute.kind === 'range' && absolute.to - absolute.from, 3_600_000);
    assert.throws(() => parsePeriod('-1h..-2h'), /end must come after/);
    assert.throws(() => parsePeriod('yesterday..now'), /not a time/);
  });
});
