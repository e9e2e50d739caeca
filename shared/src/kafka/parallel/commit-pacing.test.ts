import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_GATHER_MS, pauseAfterTransaction } from './commit-pacing.ts';

test('after a quick transaction the next one follows after as long as it took', () => {
  assert.equal(pauseAfterTransaction(7, 20), 7);
});

test('never pauses less than the shortest gathering, so outcomes completing together share a transaction', () => {
  assert.equal(pauseAfterTransaction(0, 20), MIN_GATHER_MS);
  assert.equal(pauseAfterTransaction(0.4, 20), MIN_GATHER_MS);
});

test('a slow transaction (a busy broker) makes the loop gather longer, up to the interval', () => {
  assert.equal(pauseAfterTransaction(15, 20), 15);
  assert.equal(pauseAfterTransaction(300, 20), 20);
});

test('an interval shorter than the shortest gathering is read as the shortest gathering', () => {
  assert.equal(pauseAfterTransaction(50, 0), MIN_GATHER_MS);
});
