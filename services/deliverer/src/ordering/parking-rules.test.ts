import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hold } from '@hookrail/shared';
import { createHolds, createParkedCounts, isStuck, shouldPark } from './parking-rules.ts';

describe('when a retrying head is parked', () => {
  it('parks once parkAfter offsets of its partition were read past it since its first failure, not before', () => {
    // Failed first when nothing was read past it yet.
    assert.equal(shouldPark({ headOffset: 10, newestAtFirstFailure: 10, newestOffset: 59, parkAfter: 50 }), false);
    assert.equal(shouldPark({ headOffset: 10, newestAtFirstFailure: 10, newestOffset: 60, parkAfter: 50 }), true);
  });

  it('a head that started retrying when N offsets had been read past it parks only when N + parkAfter have been', () => {
    const N = 30;
    const head = { headOffset: 10, newestAtFirstFailure: 10 + N, parkAfter: 50 };
    assert.equal(shouldPark({ ...head, newestOffset: 10 + 50 }), false, 'parkAfter past the head, but only 20 since it started retrying');
    assert.equal(shouldPark({ ...head, newestOffset: 10 + N + 49 }), false);
    assert.equal(shouldPark({ ...head, newestOffset: 10 + N + 50 }), true);
  });

  it('does not count what a restarted lane re-read (or skipped as finished) before the head first failed', () => {
    // Committed offset 1,000; the restarted lane re-read up to 2,500 (finished offsets skipped
    // among them) before the head at 1,003 failed once: none of that is blocking.
    const head = { headOffset: 1_003, newestAtFirstFailure: 2_500, parkAfter: 1_000 };
    assert.equal(shouldPark({ ...head, newestOffset: 2_500 }), false, 'the old rule parked it here: 1,497 offsets past it');
    assert.equal(shouldPark({ ...head, newestOffset: 3_499 }), false);
    assert.equal(shouldPark({ ...head, newestOffset: 3_500 }), true, 'blocking for parkAfter offsets read after its first failure');
  });

  it('parks a stuck head at once, whatever was read', () => {
    assert.equal(shouldPark({ headOffset: 10, newestAtFirstFailure: 109, newestOffset: 109, parkAfter: 50, stuck: true }), true);
  });
});

describe('when a retrying head is stuck', () => {
  it('is stuck when it failed again, nothing was read since its previous failure, and nothing can be (window or buffer full)', () => {
    assert.equal(isStuck({ newestAtPreviousFailure: 109, newestOffset: 109, readingStopped: true }), true);
  });
  it('is not stuck at its first failure, nor when something was read since, nor while the lane can read on', () => {
    assert.equal(isStuck({ newestAtPreviousFailure: undefined, newestOffset: 109, readingStopped: true }), false, 'first failure: its retry delay may be all the lane needs');
    assert.equal(isStuck({ newestAtPreviousFailure: 100, newestOffset: 109, readingStopped: true }), false, 'the lane read on meanwhile: the offsets count instead');
    assert.equal(isStuck({ newestAtPreviousFailure: 109, newestOffset: 109, readingStopped: false }), false, 'nothing more to read is not being blocked');
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
