import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveLimit, type LimitSettings } from './adaptive-limit.ts';

const settings: LimitSettings = { backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 30_000 };
const MAX = 16;
const ok = (startedAt: number, durationMs = 5) => ({ startedAt, durationMs, overload: false, failed: false });

/** Feeds healthy 5 ms responses, one per ms from `from`. */
function healthy(limit: AdaptiveLimit, from: number, count: number): number {
  for (let i = 0; i < count; i++) limit.record(ok(from + i), MAX, from + i + 5);
  return from + count;
}

describe('adaptive limit', () => {
  it('starts at the subscription\'s maxInFlight and never reads above it or below 1', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    assert.equal(limit.limit(MAX), 16);
    assert.equal(limit.limit(4), 4);
    for (let t = 0; t < 20; t++) limit.record({ startedAt: t * 100, durationMs: 10, overload: true, failed: false }, MAX, t * 100 + 10);
    assert.equal(limit.limit(MAX), 1);
  });

  it('halves on a timeout, 429 or 503, once per round trip', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    // Sixteen requests started together all time out: one decrease, not sixteen.
    for (let i = 0; i < 16; i++) limit.record({ startedAt: 0, durationMs: 1_000, overload: true, failed: false }, MAX, 1_000 + i);
    assert.equal(limit.limit(MAX), 8);
    limit.record({ startedAt: 1_020, durationMs: 1_000, overload: true, failed: false }, MAX, 2_020);
    assert.equal(limit.limit(MAX), 4, 'a request sent after the decrease decreases it again');
  });

  it('shrinks when latency rises well above the baseline, and not for latency under the floor', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    let t = healthy(limit, 0, 100);
    limit.record(ok(t, 80), MAX, t + 80);
    assert.equal(limit.limit(MAX), 16, '80 ms is 16× the 5 ms baseline but under the 100 ms floor');
    t += 100;
    limit.record(ok(t, 2_000), MAX, t + 2_000);
    assert.equal(limit.limit(MAX), 8);
    t += 2_000;
    limit.record(ok(t, 2_000), MAX, t + 2_000);
    assert.equal(limit.limit(MAX), 4);
  });

  it('keeps its limit for a busy, healthy receiver whose answers scatter around its baseline', () => {
    const BIG = 128;
    const limit = new AdaptiveLimit(settings, BIG);
    // A 100 ms receiver at 128 in flight: an answer every ms; after 5 s, one in ten takes 250 ms (> 2× baseline).
    for (let t = 0; t < 20_000; t++) {
      const durationMs = t > 5_000 && t % 10 === 0 ? 250 : 100;
      limit.record(ok(t - durationMs, durationMs), BIG, t);
    }
    assert.equal(limit.limit(BIG), BIG);
  });

  it('follows a raised maxInFlight at once, unless it is climbing back from a decrease', () => {
    const limit = new AdaptiveLimit(settings, 32);
    let t = healthy(limit, 0, 100);
    assert.equal(limit.limit(128), 128, 'never decreased: the new maxInFlight applies now');
    limit.record({ startedAt: t, durationMs: 5, overload: true, failed: false }, 128, t + 5);
    assert.equal(limit.limit(128), 64);
    assert.equal(limit.limit(256), 64, 'after a decrease it climbs, whatever the maximum');
    t = healthy(limit, t + 10, 20_000);
    assert.equal(limit.limit(128), 128, 'back at the maximum');
    assert.equal(limit.limit(200), 200, 'and following it again');
  });

  it('grows back by about one per limit\'s worth of healthy responses, up to maxInFlight', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    limit.record({ startedAt: 0, durationMs: 5, overload: true, failed: false }, MAX, 5);
    limit.record({ startedAt: 10, durationMs: 5, overload: true, failed: false }, MAX, 15);
    assert.equal(limit.limit(MAX), 4);
    let t = healthy(limit, 20, 4);
    assert.equal(limit.limit(MAX), 4, 'four healthy answers at limit 4 are a little short of +1');
    t = healthy(limit, t, 1);
    assert.equal(limit.limit(MAX), 5);
    healthy(limit, t, 1_000);
    assert.equal(limit.limit(MAX), 16);
  });

  it('other failures (a 500, a refused connection) neither grow nor shrink it', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    limit.record({ startedAt: 0, durationMs: 5, overload: true, failed: false }, MAX, 5);
    for (let t = 10; t < 200; t++) limit.record({ startedAt: t, durationMs: 1, overload: false, failed: true }, MAX, t + 1);
    assert.equal(limit.limit(MAX), 8);
  });

  it('a receiver that stays slow becomes the new baseline, and the limit grows back', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    let t = healthy(limit, 0, 10);
    for (let i = 0; i < 10; i++, t += 2_000) limit.record(ok(t, 2_000), MAX, t + 2_000);
    assert.equal(limit.limit(MAX), 1);
    // A few minutes at 2 s: the baseline has moved to about 2 s, 2 s is no longer slow.
    for (let i = 0; i < 200; i++, t += 1_000) limit.record(ok(t, 2_000), MAX, t + 2_000);
    assert.ok(limit.baselineMs! > 1_500, `baseline ${limit.baselineMs}`);
    assert.ok(limit.limit(MAX) > 8, `limit ${limit.limit(MAX)}`);
  });

  it('a 429 or 503 with Retry-After pauses the whole destination, at most maxPauseMs', () => {
    const limit = new AdaptiveLimit(settings, MAX);
    assert.equal(limit.pausedFor(0), 0);
    limit.record({ startedAt: 0, durationMs: 5, overload: true, failed: false, retryAfterMs: 3_000 }, MAX, 5);
    assert.equal(limit.pausedFor(5), 3_000);
    assert.equal(limit.pausedFor(3_005), 0);
    limit.record({ startedAt: 4_000, durationMs: 5, overload: true, failed: false, retryAfterMs: 3_600_000 }, MAX, 4_005);
    assert.equal(limit.pausedFor(4_005), 30_000);
  });
});

describe('adaptive limit: slow start after an outage', () => {
  const settings = { backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 60_000 };
  const healthy = (startedAt: number) => ({ startedAt, durationMs: 5, overload: false, failed: false });

  it('starts at 1 and doubles per round trip up to the limit before the outage, ignoring answers to requests sent before it began', () => {
    const limit = new AdaptiveLimit(settings, 16);
    limit.slowStart(16, 1_000);
    assert.equal(limit.limit(16), 1);
    limit.record(healthy(999), 16, 1_001);
    assert.equal(limit.limit(16), 1, 'a probe sent before the slow start does not grow it');
    limit.record(healthy(1_001), 16, 1_002);
    assert.equal(limit.limit(16), 2);
    for (let i = 0; i < 2; i++) limit.record(healthy(1_002), 16, 1_003);
    assert.equal(limit.limit(16), 4);
    for (let i = 0; i < 12; i++) limit.record(healthy(1_003), 16, 1_004);
    assert.equal(limit.limit(16), 16);
    assert.equal(limit.slowStarting, false);
  });
});
