import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressBar, waitBeforeNext } from './pace.ts';

describe('waitBeforeNext', () => {
  it('spaces records so the average stays at the rate', () => {
    assert.equal(waitBeforeNext(0, 10, 1_000, 1_000), 0);
    assert.equal(waitBeforeNext(10, 10, 1_000, 1_000), 1_000);
    assert.equal(waitBeforeNext(10, 10, 1_000, 1_600), 400);
  });

  it('does not wait when behind schedule or unlimited', () => {
    assert.equal(waitBeforeNext(10, 10, 1_000, 5_000), 0);
    assert.equal(waitBeforeNext(1_000, Infinity, 0, 0), 0);
  });
});

describe('progressBar', () => {
  it('fills in proportion and shows the count and percentage', () => {
    assert.equal(progressBar(5, 10, 10), '[=====     ]  5/10  50 %');
    assert.equal(progressBar(10, 10, 4), '[====] 10/10 100 %');
    assert.equal(progressBar(0, 0, 4), '[====] 0/0 100 %');
  });
});
