import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoDisableDecision, isReceiverEvidence, nextStreak, type FailureStreak, type HttpAttempt } from './auto-disable.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const rule = { afterMs: 24 * H, minFailures: 10 };

/** A fake clock's worth of attempts folded into a streak. */
const fold = (attempts: HttpAttempt[], keep = rule.minFailures) =>
  attempts.reduce<FailureStreak | undefined>((streak, attempt) => nextStreak(streak, attempt, keep), undefined);
const failingEvery = (stepMs: number, from: number, to: number): HttpAttempt[] => {
  const out: HttpAttempt[] = [];
  for (let at = from; at <= to; at += stepMs) out.push({ delivered: false, at });
  return out;
};

describe('auto-disable policy', () => {
  it('counts deliveries the open breaker held back as the receiver failing, and nothing else without a request', () => {
    assert.equal(isReceiverEvidence({ http: true }), true);
    assert.equal(isReceiverEvidence({ http: false, errorClass: 'circuit-open' }), true);
    assert.equal(isReceiverEvidence({ http: false, errorClass: 'destination-paused' }), true);
    for (const errorClass of ['subscription-disabled', 'subscription-missing', 'invalid-secret', 'internal', undefined]) {
      assert.equal(isReceiverEvidence({ http: false, ...(errorClass ? { errorClass } : {}) }), false, String(errorClass));
    }
  });

  it('disables a receiver that failed every attempt for the whole window, and says why', () => {
    const streak = fold(failingEvery(H, T0, T0 + 24 * H));
    const decision = autoDisableDecision(streak, rule, T0 + 24 * H);
    assert.equal(decision.disable, true);
    assert.match(decision.disable ? decision.reason : '', /^every attempt failed since 2026-01-01T00:00:00.000Z \(at least 10 in the last 1d, none delivered\): auto-disabled after 1d of continuous failure$/);
  });

  it('waits until the streak is as old as the window', () => {
    const streak = fold(failingEvery(60_000, T0, T0 + 23 * H));
    assert.equal(autoDisableDecision(streak, rule, T0 + 24 * H - 1).disable, false);
    assert.equal(autoDisableDecision(streak, rule, T0 + 24 * H).disable, true);
  });

  it('starts over after one successful attempt', () => {
    const attempts = [...failingEvery(H, T0, T0 + 12 * H), { delivered: true, at: T0 + 12 * H + 1 }, ...failingEvery(H, T0 + 13 * H, T0 + 30 * H)];
    assert.equal(autoDisableDecision(fold(attempts), rule, T0 + 30 * H).disable, false, 'failing for 17 h since the success');
    assert.equal(autoDisableDecision(fold([...attempts, ...failingEvery(H, T0 + 31 * H, T0 + 37 * H)]), rule, T0 + 37 * H).disable, true);
  });

  it('needs at least minFailures failures within the window: a burst followed by silence is stale', () => {
    const burst = fold(failingEvery(60_000, T0, T0 + 20 * 60_000));
    assert.equal(autoDisableDecision(burst, rule, T0 + 25 * H).disable, false, 'no failure in the last 24 h');
    const sparse = fold([...failingEvery(60_000, T0, T0 + 20 * 60_000), ...failingEvery(4 * H, T0 + 4 * H, T0 + 24 * H)]);
    assert.equal(autoDisableDecision(sparse, rule, T0 + 25 * H).disable, false, '6 failures in the last 24 h, 10 needed');
    assert.equal(autoDisableDecision(sparse, { ...rule, minFailures: 6 }, T0 + 25 * H).disable, true);
  });

  it('is off when the tier has no window, and for a subscription without failures', () => {
    const streak = fold(failingEvery(H, T0, T0 + 48 * H));
    assert.equal(autoDisableDecision(streak, { ...rule, afterMs: 0 }, T0 + 48 * H).disable, false);
    assert.equal(autoDisableDecision(undefined, rule, T0 + 48 * H).disable, false);
  });

  it('keeps only the newest minFailures failure times, and the earliest start of attempts arriving out of order', () => {
    const streak = fold([...failingEvery(1_000, T0 + 10_000, T0 + 100_000), { delivered: false, at: T0 }], 3);
    assert.deepEqual(streak, { since: T0, recent: [T0 + 98_000, T0 + 99_000, T0 + 100_000] });
  });
});
