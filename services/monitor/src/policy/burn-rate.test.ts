import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetSpent, burnRate, errorRatio, multiWindowBurn } from './burn-rate.ts';

describe('burn-rate math', () => {
  it('error ratio needs enough attempts', () => {
    assert.equal(errorRatio({ attempts: 100, good: 99 }), 0.01);
    assert.equal(errorRatio({ attempts: 5, good: 0 }, 10), null);
    assert.equal(errorRatio({ attempts: 0, good: 0 }), null);
  });
  it('burn rate is error ratio over the budget', () => {
    assert.ok(Math.abs(burnRate(0.01, 0.999)! - 10) < 1e-9);
    assert.ok(Math.abs(burnRate(0.0144, 0.999)! - 14.4) < 1e-9);
    assert.equal(burnRate(null, 0.99), null);
  });
  it('multi-window: the lower of the two burns is what must exceed the factor', () => {
    assert.equal(multiWindowBurn(20, 15), 15);
    assert.equal(multiWindowBurn(20, null), null);
  });
  it('14.4× over 1 h spends 2 % of a 30-day budget; 6× over 6 h spends 5 % (the workbook numbers)', () => {
    assert.ok(Math.abs(budgetSpent(14.4, 3_600_000, 30 * 86_400_000) - 0.02) < 1e-9);
    assert.ok(Math.abs(budgetSpent(6, 6 * 3_600_000, 30 * 86_400_000) - 0.05) < 1e-9);
  });
});
