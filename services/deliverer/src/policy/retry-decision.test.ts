import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The ladder module itself, not the @hookrail/shared barrel: it is dependency-free data.
import { ladderFor, type RetryRung } from '@hookrail/shared';
import type { Classification } from './classify.ts';
import { decideRetry, type RetryDecision } from './retry-decision.ts';

const NOW = 1_700_000_000_000;
const noJitter = () => 0;
const TIERS: Array<[tier: number, retries: number]> = [[1, 8], [2, 6], [3, 5]];

const fail: Classification = { outcome: 'retry', reason: 'http-503' };
const failAfter = (retryAfterMs: number): Classification => ({ outcome: 'retry', reason: 'http-429', retryAfterMs });
const ok: Classification = { outcome: 'delivered' };

/**
 * Plays a delivery through its ladder the way the deliverer does: each attempt's outcome is
 * decided, and a retry's rung index comes back as lastRungIndex for the next attempt.
 */
function play(ladder: readonly RetryRung[], outcomes: readonly Classification[]): RetryDecision[] {
  const decisions: RetryDecision[] = [];
  let lastRungIndex: number | undefined;
  for (const [index, classification] of outcomes.entries()) {
    const decision = decideRetry({
      classification,
      attemptsMade: index + 1,
      ladder,
      lastRungIndex,
      nowMs: NOW,
      random: noJitter,
    });
    decisions.push(decision);
    if (decision.action !== 'retry') return decisions;
    lastRungIndex = decision.rungIndex;
  }
  return decisions;
}

const rungNames = (decisions: RetryDecision[]) =>
  decisions.flatMap((decision) => (decision.action === 'retry' ? [decision.rung.name] : []));

describe('decideRetry', () => {
  it('is done on delivery', () => {
    assert.deepEqual(decideRetry({ classification: ok, attemptsMade: 1, ladder: ladderFor(8), nowMs: NOW, random: noJitter }), {
      action: 'done',
    });
  });

  it('dead-letters a permanent failure at once, naming the reason', () => {
    const decision = decideRetry({
      classification: { outcome: 'permanent', reason: 'http-400', gone: false },
      attemptsMade: 1,
      ladder: ladderFor(8),
      nowMs: NOW,
      random: noJitter,
    });
    assert.deepEqual(decision, { action: 'dead-letter', reason: 'permanent', detail: 'http-400' });
  });

  it('sends the first retry to the 1s rung, waiting exactly its delay without jitter', () => {
    const decision = decideRetry({ classification: fail, attemptsMade: 1, ladder: ladderFor(8), nowMs: NOW, random: noJitter });
    assert.deepEqual(decision, { action: 'retry', rung: { name: '1s', delayMs: 1_000 }, rungIndex: 0, notBefore: NOW + 1_000 });
  });

  for (const [tier, retries] of TIERS) {
    const ladder = ladderFor(retries);

    for (let failures = 0; failures <= retries; failures++) {
      it(`tier ${tier}: ${failures} retryable failure(s) then success climbs ${failures} rung(s) and is done`, () => {
        const decisions = play(ladder, [...Array<Classification>(failures).fill(fail), ok]);
        assert.equal(decisions.length, failures + 1);
        assert.deepEqual(decisions.at(-1), { action: 'done' });
        assert.deepEqual(rungNames(decisions), ladder.slice(0, failures).map((rung) => rung.name));
        for (const [index, decision] of decisions.slice(0, -1).entries()) {
          assert.equal(decision.action, 'retry');
          if (decision.action === 'retry') {
            assert.equal(decision.rungIndex, index);
            assert.equal(decision.notBefore, NOW + ladder[index]!.delayMs);
          }
        }
      });
    }

    it(`tier ${tier}: always failing dead-letters as exhausted after ${retries + 1} attempts`, () => {
      const decisions = play(ladder, Array<Classification>(retries + 5).fill(fail));
      assert.equal(decisions.length, retries + 1);
      assert.deepEqual(rungNames(decisions), ladder.map((rung) => rung.name));
      assert.deepEqual(decisions.at(-1), {
        action: 'dead-letter',
        reason: 'exhausted',
        detail: `http-503 after ${retries + 1} attempts`,
      });
    });

    it(`tier ${tier}: a permanent failure mid-ladder dead-letters at once`, () => {
      const decisions = play(ladder, [fail, fail, { outcome: 'permanent', reason: 'gone', gone: true }]);
      assert.deepEqual(decisions.at(-1), { action: 'dead-letter', reason: 'permanent', detail: 'gone' });
      assert.equal(decisions.length, 3);
    });

    it(`tier ${tier}: a Retry-After beyond the horizon uses the last rung, then dead-letters`, () => {
      const last = ladder.at(-1)!;
      const decisions = play(ladder, [failAfter(last.delayMs * 10), fail]);
      const first = decisions[0]!;
      assert.equal(first.action, 'retry');
      if (first.action === 'retry') {
        assert.equal(first.rungIndex, ladder.length - 1);
        assert.equal(first.notBefore, NOW + last.delayMs, 'bounded by the last rung, not by Retry-After');
      }
      assert.deepEqual(decisions[1], { action: 'dead-letter', reason: 'exhausted', detail: 'http-503 after 2 attempts' });
    });

    it(`tier ${tier}: total wait never exceeds the horizon, whatever Retry-After says`, () => {
      const horizon = ladder.reduce((sum, rung) => sum + rung.delayMs, 0);
      for (const retryAfterMs of [500, 3_000, 20_000, 100_000, 1_000_000, 100_000_000]) {
        const decisions = play(ladder, Array<Classification>(20).fill(failAfter(retryAfterMs)));
        const waited = decisions.reduce((sum, d) => sum + (d.action === 'retry' ? d.notBefore - NOW : 0), 0);
        assert.ok(waited <= horizon, `waited ${waited} > horizon ${horizon} for Retry-After ${retryAfterMs}`);
        assert.equal(decisions.at(-1)?.action, 'dead-letter');
      }
    });
  }

  describe('Retry-After', () => {
    const ladder = ladderFor(8);

    it('moves to the first rung whose delay covers it', () => {
      const decision = decideRetry({ classification: failAfter(5_000), attemptsMade: 1, ladder, nowMs: NOW, random: noJitter });
      assert.deepEqual(decision, { action: 'retry', rung: { name: '16s', delayMs: 16_000 }, rungIndex: 2, notBefore: NOW + 16_000 });
    });

    it('an exact match uses that rung', () => {
      const decision = decideRetry({ classification: failAfter(64_000), attemptsMade: 1, ladder, nowMs: NOW, random: noJitter });
      assert.equal(decision.action === 'retry' && decision.rung.name, '64s');
    });

    it('a short Retry-After never moves backwards on the ladder', () => {
      const decision = decideRetry({ classification: failAfter(1_000), attemptsMade: 4, lastRungIndex: 2, ladder, nowMs: NOW, random: noJitter });
      assert.equal(decision.action === 'retry' && decision.rungIndex, 3);
    });

    it('rungs jumped over are spent: the next failure continues after the rung used', () => {
      const decisions = play(ladder, [failAfter(60_000), fail, fail, ok]);
      assert.deepEqual(rungNames(decisions), ['64s', '256s', '1024s']);
      assert.deepEqual(decisions.at(-1), { action: 'done' });
    });

    it('a jump late on the ladder still follows lastRungIndex, not the attempt count', () => {
      const decisions = play(ladder, [fail, failAfter(1_000_000), fail, fail]);
      assert.deepEqual(rungNames(decisions), ['1s', '1024s', '4096s', '16384s']);
    });

    it('with rungs jumped, the delivery dead-letters when no rung remains', () => {
      const decisions = play(ladderFor(5), [failAfter(100_000), fail]);
      assert.deepEqual(rungNames(decisions), ['256s']);
      assert.deepEqual(decisions.at(-1), { action: 'dead-letter', reason: 'exhausted', detail: 'http-503 after 2 attempts' });
    });
  });

  describe('jitter', () => {
    const ladder = ladderFor(8);
    const decide = (random: number, jitterRatio?: number, attemptsMade = 3) =>
      decideRetry({ classification: fail, attemptsMade, ladder, nowMs: NOW, random: () => random, jitterRatio });

    it('adds up to 10% of the delay by default, never less than the delay', () => {
      for (const random of [0, 0.25, 0.5, 0.999999]) {
        const decision = decide(random);
        assert.equal(decision.action, 'retry');
        if (decision.action !== 'retry') continue;
        const wait = decision.notBefore - NOW;
        assert.ok(wait >= 16_000 && wait < 16_000 * 1.1, `wait ${wait} for random ${random}`);
        assert.equal(wait, 16_000 + Math.floor(random * 0.1 * 16_000));
        assert.ok(Number.isInteger(decision.notBefore));
      }
    });

    it('honours a custom ratio and zero', () => {
      const half = decide(0.5, 0.5);
      assert.equal(half.action === 'retry' && half.notBefore - NOW, 16_000 + 4_000);
      const none = decide(0.9, 0);
      assert.equal(none.action === 'retry' && none.notBefore - NOW, 16_000);
    });

    it('stays within bounds for every rung over many draws', () => {
      let seed = 42;
      const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      for (let attemptsMade = 1; attemptsMade <= ladder.length; attemptsMade++) {
        const delay = ladder[attemptsMade - 1]!.delayMs;
        for (let draw = 0; draw < 200; draw++) {
          const decision = decideRetry({ classification: fail, attemptsMade, ladder, nowMs: NOW, random });
          assert.equal(decision.action, 'retry');
          if (decision.action !== 'retry') continue;
          const wait = decision.notBefore - NOW;
          assert.ok(wait >= delay && wait < delay * 1.1, `rung ${attemptsMade - 1}: wait ${wait}`);
        }
      }
    });
  });

  describe('edges', () => {
    it('an empty ladder (an override with no retries) dead-letters the first retryable failure', () => {
      assert.deepEqual(decideRetry({ classification: fail, attemptsMade: 1, ladder: [], nowMs: NOW, random: noJitter }), {
        action: 'dead-letter',
        reason: 'exhausted',
        detail: 'http-503 after 1 attempt',
      });
    });

    it('a custom override ladder is used as given', () => {
      const ladder: RetryRung[] = [{ name: '30s', delayMs: 30_000 }, { name: '5m', delayMs: 300_000 }];
      assert.deepEqual(rungNames(play(ladder, [fail, fail, fail])), ['30s', '5m']);
    });

    it('rejects nonsense counters, which are programming errors', () => {
      const base = { classification: fail, ladder: ladderFor(3), nowMs: NOW, random: noJitter };
      assert.throws(() => decideRetry({ ...base, attemptsMade: 0 }), RangeError);
      assert.throws(() => decideRetry({ ...base, attemptsMade: 1.5 }), RangeError);
      assert.throws(() => decideRetry({ ...base, attemptsMade: 2, lastRungIndex: -1 }), RangeError);
      assert.throws(() => decideRetry({ ...base, attemptsMade: 2, jitterRatio: -0.1 }), RangeError);
    });
  });
});
