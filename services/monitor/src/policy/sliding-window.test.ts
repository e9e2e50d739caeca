import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketIndex, histogramQuantile, quantiles } from './quantile.ts';
import { SlidingCounters, slotFor } from './sliding-window.ts';

describe('SlidingCounters', () => {
  it('sums what was added within the window, to one slot', () => {
    const w = new SlidingCounters({ spanMs: 60_000, slotMs: 1_000, width: 2 });
    w.add(10_000, 0);
    w.add(10_500, 0, 2);
    w.add(30_000, 1, 5);
    assert.deepEqual([...w.sum(30_999, 60_000)], [3, 5]);
    assert.deepEqual([...w.sum(30_999, 10_000)], [0, 5], 'the 10 s window starts after 20 s');
    assert.deepEqual([...w.sum(71_000, 60_000)], [0, 5], 'the adds at 10 s fell out of the span');
  });

  it('reuses a ring slot for newer data and drops data older than the slot holds', () => {
    const w = new SlidingCounters({ spanMs: 3_000, slotMs: 1_000, width: 1 });
    w.add(1_000, 0);
    w.add(5_000, 0); // same ring position (4 slots), newer: resets it
    w.add(1_200, 0); // older than what the slot holds: ignored
    assert.equal(w.sum(5_000, 3_000)[0], 1);
    assert.equal(w.idle(5_000), false);
    assert.equal(w.idle(9_500), true);
  });

  it('slotFor gives the resolution asked, at least 10 ms', () => {
    assert.equal(slotFor(300_000), 15_000);
    assert.equal(slotFor(100), 10);
  });
});

describe('histogram quantiles (histogram_quantile)', () => {
  const bounds = [0.1, 0.5, 1];
  it('interpolates inside the bucket holding the rank', () => {
    assert.equal(histogramQuantile(0.5, bounds, [10, 10, 0, 0]), 0.1);
    assert.ok(Math.abs(histogramQuantile(0.75, bounds, [10, 10, 0, 0])! - 0.3) < 1e-9);
    assert.equal(histogramQuantile(0.5, bounds, [0, 0, 0, 0]), null);
  });
  it('a rank in +Inf answers the highest bound', () => {
    assert.equal(histogramQuantile(0.99, bounds, [0, 0, 0, 5]), 1);
  });
  it('bucketIndex picks the first bound not exceeded', () => {
    assert.equal(bucketIndex(bounds, 0.1), 0);
    assert.equal(bucketIndex(bounds, 0.2), 1);
    assert.equal(bucketIndex(bounds, 7), 3);
    assert.deepEqual(quantiles(bounds, [4, 0, 0, 0]), { p50: 0.05, p95: 0.095, p99: 0.099 });
  });
});
