import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advance, isDone, rangesOf, readOffsets, totalOffsets } from './window.ts';

describe('a backfill window', () => {
  it('reads each partition from the offset for its start time to the one for its end time', () => {
    const ranges = rangesOf('shop', [{ partition: 1, offset: '40' }, { partition: 0, offset: '10' }], [{ partition: 0, offset: '25' }, { partition: 1, offset: '40' }]);
    assert.deepEqual(ranges, [
      { topic: 'shop', partition: 0, start: 10, end: 25, next: 10 },
      { topic: 'shop', partition: 1, start: 40, end: 40, next: 40 },
    ]);
    assert.equal(totalOffsets(ranges), 15);
    assert.equal(isDone(ranges), false);
  });

  it('never reads before its start when the end offset is lower (nothing in the window)', () => {
    assert.deepEqual(rangesOf('shop', [{ partition: 0, offset: '9' }], [{ partition: 0, offset: '5' }]), [{ topic: 'shop', partition: 0, start: 9, end: 9, next: 9 }]);
  });

  it('moves forward only, and never past the end', () => {
    const [range] = rangesOf('shop', [{ partition: 0, offset: '0' }], [{ partition: 0, offset: '10' }]);
    advance(range!, 4);
    advance(range!, 2);
    assert.equal(range!.next, 4);
    assert.equal(readOffsets([range!]), 4);
    advance(range!, 99);
    assert.equal(range!.next, 10);
    assert.equal(isDone([range!]), true);
  });
});
