import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ladderFor } from '@hookrail/shared';
import { decideHold, decideSpill } from './hold.ts';

const rungs = ladderFor(4); // 1, 4, 16, 64 s
const base = { rungs, nowMs: 100_000, random: () => 0, jitterRatio: 0.1 };

describe('holding a delivery back without a request', () => {
  it('waits out the wait on the first rung covering it, due when it ends, its attempts and rung untouched by design (no field for them)', () => {
    assert.deepEqual(decideHold({ ...base, delivery: { attempt: 2, firstAttemptAt: 90_000 }, waitMs: 30_000, horizonMs: 1_000_000 }), {
      action: 'wait', rungIndex: 3, notBefore: 130_000, heldSince: 100_000,
    });
    assert.deepEqual(decideHold({ ...base, delivery: { attempt: 0 }, waitMs: 0, horizonMs: 1_000_000 }), { action: 'wait', rungIndex: 0, notBefore: 101_000, heldSince: 100_000 }, 'at least 1 s');
  });

  it('a wait longer than the last rung comes back after that rung and is held again', () => {
    const decision = decideHold({ ...base, delivery: { attempt: 1, heldSince: 50_000 }, waitMs: 500_000, horizonMs: 1_000_000 });
    assert.deepEqual(decision, { action: 'wait', rungIndex: 3, notBefore: 164_000, heldSince: 50_000 });
  });

  it('gives up only past the horizon, counted from the first attempt, else from the first hold', () => {
    assert.equal(decideHold({ ...base, delivery: { attempt: 3, firstAttemptAt: 0, heldSince: 99_000 }, waitMs: 1_000, horizonMs: 100_000 }).action, 'give-up');
    assert.equal(decideHold({ ...base, delivery: { attempt: 0, heldSince: 1 }, waitMs: 1_000, horizonMs: 100_000 }).action, 'wait');
    assert.deepEqual(decideHold({ ...base, delivery: { attempt: 0, heldSince: 0 }, waitMs: 1_000, horizonMs: 100_000 }), { action: 'give-up', heldSince: 0, heldForMs: 100_000 });
  });

  it('jitter only delays', () => {
    const decision = decideHold({ ...base, random: () => 0.99, delivery: { attempt: 1 }, waitMs: 10_000, horizonMs: 1_000_000 });
    assert.ok(decision.action === 'wait' && decision.notBefore >= 110_000 && decision.notBefore < 111_000);
  });
});

describe('spilling a delivery of a saturated endpoint', () => {
  it('backs off one rung per spill, 1 s, 4 s, 16 s, 64 s, then stays at 64 s', () => {
    const delays = [0, 1, 2, 3, 4, 9].map((spilled) => decideSpill({ ...base, delivery: { attempt: 0, spilled } })!.notBefore - base.nowMs);
    assert.deepEqual(delays, [1_000, 4_000, 16_000, 64_000, 64_000, 64_000]);
    assert.deepEqual(decideSpill({ ...base, delivery: { attempt: 2, spilled: 1, heldSince: 7 } }), { rungIndex: 1, notBefore: 104_000, heldSince: 7, spilled: 2 });
  });

  it('never past the tier’s last rung, and not at all without delay topics', () => {
    assert.equal(decideSpill({ ...base, rungs: ladderFor(2), delivery: { attempt: 0, spilled: 5 } })!.rungIndex, 1);
    assert.equal(decideSpill({ ...base, rungs: [], delivery: { attempt: 0 } }), undefined);
  });
});
