import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addEndPoint, timeLagSeconds, type EndPoint } from './time-lag.ts';

describe('time lag by interpolation', () => {
  const table = (rows: Array<[number, number]>) => rows.reduce<EndPoint[]>((points, [at, end]) => addEndPoint(points, { at, end }), []);

  it('keeps only the first and last reading of a run of equal end offsets', () => {
    const points = table([[0, 10], [1_000, 10], [2_000, 10], [3_000, 12]]);
    assert.deepEqual(points, [{ at: 0, end: 10 }, { at: 2_000, end: 10 }, { at: 3_000, end: 12 }]);
    assert.deepEqual(addEndPoint(points, { at: 4_000, end: 5 }), [{ at: 4_000, end: 5 }], 'an end going back starts over');
  });

  it('interpolates when the end passed the committed offset', () => {
    // end 100 at t=10 s, 200 at t=20 s: record 149 appended at t = 15 s.
    const points = table([[10_000, 100], [20_000, 200], [30_000, 200]]);
    assert.equal(timeLagSeconds({ points, committed: 149, end: 200, now: 30_000 }), 15);
  });

  it('reads a plateau right: the records arrived between its last reading and the next', () => {
    const points = table([[0, 10], [5_000, 10], [6_000, 20], [60_000, 20]]);
    // Record 10 was appended between t=5 s and t=6 s: 5.1 s by interpolation.
    assert.ok(Math.abs(timeLagSeconds({ points, committed: 10, end: 20, now: 60_000 }) - 54.9) < 1e-9);
  });

  it('caught up (within the tolerance) is 0 s', () => {
    const points = table([[0, 10], [60_000, 11]]);
    assert.equal(timeLagSeconds({ points, committed: 11, end: 11, now: 60_000 }), 0);
    assert.equal(timeLagSeconds({ points, committed: 10, end: 11, now: 60_000, tolerance: 1 }), 0, 'a transaction marker');
    assert.equal(timeLagSeconds({ points, committed: 10, end: 11, now: 90_000 }), 30, "without the tolerance: record 10 is 30 s old");
  });

  it('extrapolates before the table with its mean rate, and is a lower bound without one', () => {
    const points = table([[10_000, 100], [20_000, 110]]); // 1 record per second
    assert.equal(timeLagSeconds({ points, committed: 89, end: 110, now: 20_000 }), 20);
    assert.equal(timeLagSeconds({ points: table([[10_000, 100]]), committed: 50, end: 100, now: 25_000 }), 15);
  });
});
