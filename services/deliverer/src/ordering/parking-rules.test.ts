import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createParkedCounts, parkedStateKey, parseParkedStateKey, shouldPark } from './parking-rules.ts';

describe('when a retrying head is parked', () => {
  it('parks once parkAfter offsets of its partition were read past it, not before', () => {
    assert.equal(shouldPark({ headOffset: 10, newestOffset: 59, parkAfter: 50 }), false);
    assert.equal(shouldPark({ headOffset: 10, newestOffset: 60, parkAfter: 50 }), true);
  });
});

describe('parked state keys', () => {
  it('round-trip, with colons and newlines in the order key', () => {
    const key = parkedStateKey('appended', 'sub-1', 'a:b\nc');
    assert.equal(key, 'appended:sub-1:a:b\nc');
    assert.deepEqual(parseParkedStateKey(key), { kind: 'appended', subscriptionId: 'sub-1', orderKey: 'a:b\nc' });
    assert.deepEqual(parseParkedStateKey('drained:s:'), { kind: 'drained', subscriptionId: 's', orderKey: '' });
  });
  it('reads other keys as not a state record', () => {
    assert.equal(parseParkedStateKey('parked:s:k'), undefined);
    assert.equal(parseParkedStateKey('appended:s'), undefined);
  });
});

describe('whether a key is parked', () => {
  it('is parked while more were appended than drained', () => {
    const counts = createParkedCounts();
    assert.equal(counts.isParked('k'), false);
    assert.equal(counts.append('k'), 1);
    assert.equal(counts.append('k'), 2);
    assert.equal(counts.isParked('k'), true);
    counts.observe('drained', 'k', 1);
    assert.equal(counts.isParked('k'), true);
    counts.observe('drained', 'k', 2);
    assert.equal(counts.isParked('k'), false);
    assert.equal(counts.parked, 0);
  });
  it('never lowers a count: a stale record read late changes nothing', () => {
    const counts = createParkedCounts();
    counts.observe('appended', 'k', 5);
    counts.observe('appended', 'k', 3);
    counts.observe('drained', 'k', 4);
    assert.equal(counts.isParked('k'), true);
    assert.equal(counts.append('k'), 6, 'numbers keep growing after a restart');
  });
  it('numbers a key parked again after it drained past its appended count from where it ended', () => {
    const counts = createParkedCounts();
    counts.observe('drained', 'k', 7);
    assert.equal(counts.isParked('k'), false);
    assert.equal(counts.append('k'), 8);
  });
});
