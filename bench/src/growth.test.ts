import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { growthOf } from './growth.ts';

const curve = (xs: number[], f: (x: number) => number) => xs.map((x) => [x, f(x)] as const);
const XS = [10, 100, 1_000, 10_000];

describe('growth of a cost with the work', () => {
  it('calls a cost that moves less than the noise constant', () => {
    const g = growthOf([[10, 100], [100, 104], [1_000, 97], [10_000, 110]], 'subscription');
    assert.equal(g.kind, 'constant');
    assert.match(g.text, /^constant \(100 → 110, within 25 %\)$/);
  });

  it('calls a falling cost constant, saying it falls', () => {
    const g = growthOf([[10, 4.9], [100, 1.6], [1_000, 1.9]]);
    assert.equal(g.kind, 'constant');
    assert.equal(g.text, 'constant: no growth (4.90 → 1.90, falling)');
  });

  it('sees no trend in scattered points that end where they began', () => {
    const g = growthOf([[6, 671], [12, 358], [30, 247], [60, 670]]);
    assert.equal(g.kind, 'constant');
    assert.equal(g.text, 'constant: no trend (671 → 670, points between 247 and 671)');
  });

  it('calls a base plus a cost per unit linear, with the cost per unit', () => {
    const g = growthOf(curve(XS, (x) => 150 + 0.01 * x), 'subscription');
    assert.equal(g.kind, 'linear');
    assert.ok(Math.abs(g.exponent - 1) < 0.01);
    assert.ok(Math.abs(g.slope - 0.01) < 1e-9);
    assert.match(g.text, /^linear \(k = 1\.00\): \+0\.0100 per subscription$/);
  });

  it('tells quadratic from linear and logarithmic from both', () => {
    assert.equal(growthOf(curve(XS, (x) => 5 + x * x)).kind, 'superlinear');
    assert.ok(Math.abs(growthOf(curve(XS, (x) => 5 + x * x)).exponent - 2) < 0.05);
    assert.equal(growthOf(curve(XS, (x) => 1 + Math.log(x))).kind, 'sublinear');
  });

  it('reads points in any order and ignores the unusable ones', () => {
    const g = growthOf([[1_000, 11], [10, 1.1], [Number.NaN, 5], [100, 2], [0, 3]]);
    assert.equal(g.kind, 'linear');
    assert.throws(() => growthOf([[10, 1]]), /at least two points/);
  });
});
