import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INACTIVE, stepAlert, type AlertState, type AlertTransition } from './alert-state.ts';

/** Runs a series of (time, value) through the state machine; returns the transitions seen. */
function run(values: Array<[number, number | null]>, rule = { threshold: 10, resolveThreshold: 9, forMs: 2_000, keepFiringForMs: 3_000 }) {
  let state: AlertState = INACTIVE;
  const seen: Array<[number, AlertTransition, string]> = [];
  for (const [now, value] of values) {
    const step = stepAlert(state, { ...rule, value, now });
    state = step.state;
    seen.push([now, step.transition, state.phase]);
  }
  return seen;
}

describe('alert state machine', () => {
  it('pending → firing after `for`; a dip before that goes back to inactive', () => {
    assert.deepEqual(
      run([[0, 11], [1_000, 12], [2_000, 11]]).map(([, t, p]) => [t, p]),
      [[undefined, 'pending'], [undefined, 'pending'], ['firing', 'firing']],
    );
    assert.deepEqual(run([[0, 11], [1_000, 5], [2_000, 11]]).map(([, , p]) => p), ['pending', 'inactive', 'pending']);
  });
  it('for 0 fires at once', () => {
    assert.equal(run([[0, 11]], { threshold: 10, resolveThreshold: 9, forMs: 0, keepFiringForMs: 0 })[0]![1], 'firing');
  });
  it('hysteresis: between resolve level and threshold it keeps firing', () => {
    const seen = run([[0, 11], [2_000, 11], [3_000, 9.5], [10_000, 9.5]]);
    assert.deepEqual(seen.map(([, , p]) => p), ['pending', 'firing', 'firing', 'firing']);
  });
  it('resolves only after the value stayed at the resolve level for keepFiringFor; a relapse restarts the clock', () => {
    const seen = run([[0, 11], [2_000, 11], [3_000, 8], [4_000, 12], [5_000, 8], [7_000, 8], [8_000, 8]]);
    assert.deepEqual(seen.map(([, t]) => t), [undefined, 'firing', undefined, undefined, undefined, undefined, 'resolved']);
  });
  it('no data counts as clear', () => {
    const seen = run([[0, 11], [2_000, 11], [3_000, null], [6_000, null]]);
    assert.equal(seen.at(-1)![1], 'resolved');
  });
});
