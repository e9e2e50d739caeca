import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hold } from '@hookrail/shared';
import { createHolds, createParkedCounts, shouldPark } from './parking-rules.ts';

describe('when a retrying head is parked', () => {
  it('parks once parkAfter offsets of its partition were read past it, not before', () => {
    assert.equal(shouldPark({ headOffset: 10, newestOffset: 59, parkAfter: 50 }), false);
    assert.equal(shouldPark({ headOffset: 10, newestOffset: 60, parkAfter: 50 }), true);
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

describe('whether a key is held by onDeadLetter: park', () => {
  const held = (at: string): Hold => ({ state: 'held', head: 'msg_1', at });
  const released = (at: string): Hold => ({ state: 'released', at });

  it('follows the last hold or release read', () => {
    const holds = createHolds();
    assert.equal(holds.state('k'), undefined);
    holds.observe('k', held('t:0:1'));
    assert.equal(holds.state('k'), 'held');
    holds.observe('k', released('t:0:5'));
    assert.equal(holds.state('k'), 'released');
    holds.observe('k', held('t:0:9'));
    assert.equal(holds.state('k'), 'held', 'held again by a later dead head');
    assert.equal(holds.state('other'), undefined);
  });
  it('lets its own release win over a stale hold until the release is read back', () => {
    const holds = createHolds();
    holds.observe('k', held('t:0:1'));
    holds.write('k', released('t:0:5'));
    holds.observe('k', held('t:0:1'));
    assert.equal(holds.state('k'), 'released', 'the hold read again (a late record) does not undo the replay');
    holds.observe('k', released('t:0:5'));
    holds.observe('k', held('t:0:9'));
    assert.equal(holds.state('k'), 'held', 'once read back, later records count again');
  });
  it('lets its own hold win over a stale release until the hold is read back', () => {
    const holds = createHolds();
    holds.observe('k', released('t:0:5'));
    holds.write('k', held('t:0:9'));
    assert.equal(holds.state('k'), 'held');
    holds.observe('k', held('t:0:9'));
    holds.observe('k', released('t:0:12'));
    assert.equal(holds.state('k'), 'released', 'released by another instance after its hold was read back');
  });
});
