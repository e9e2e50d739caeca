import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPartitionTracker, decodeDoneOffsets, encodeDoneOffsets } from './partition-tracker.ts';

describe('partition tracker', () => {
  it('commits the lowest unfinished offset and carries the finished ones above it', () => {
    const tracker = createPartitionTracker(10);
    for (const offset of [10, 11, 12, 13]) assert.equal(tracker.accept(offset), 'new');
    tracker.ready(11);
    tracker.ready(13);
    assert.deepEqual(tracker.takeReady().sort(), [11, 13]);
    const position = tracker.commitPosition();
    assert.equal(position?.offset, 10, '10 is still in flight');
    assert.deepEqual([...decodeDoneOffsets(10, position!.metadata)].sort(), [11, 13]);
    tracker.committed();
    assert.equal(tracker.base, 10);

    tracker.ready(10);
    tracker.takeReady();
    const next = tracker.commitPosition();
    assert.equal(next?.offset, 12, '10 and 11 done, 12 open');
    assert.deepEqual([...decodeDoneOffsets(12, next!.metadata)], [13]);
    tracker.committed();
    assert.equal(tracker.base, 12);
    assert.equal(tracker.open, 1);
  });

  it('a restart from commit metadata skips what was already done', () => {
    const resumed = createPartitionTracker(12, encodeDoneOffsets(12, [13, 15]));
    assert.equal(resumed.accept(11), 'skip', 'below the committed offset');
    assert.equal(resumed.accept(12), 'new');
    assert.equal(resumed.accept(13), 'skip', 'done before the restart');
    assert.equal(resumed.accept(14), 'new');
    assert.equal(resumed.accept(15), 'skip');
    assert.equal(resumed.accept(12), 'skip', 'a re-fetch of a record in hand');
    resumed.ready(12);
    resumed.ready(14);
    resumed.takeReady();
    assert.deepEqual(resumed.commitPosition(), { offset: 16, metadata: '' });
    resumed.committed();
    assert.equal(resumed.base, 16);
  });

  it('an aborted transaction leaves its offsets to commit again', () => {
    const tracker = createPartitionTracker(0);
    tracker.accept(0);
    tracker.ready(0);
    tracker.takeReady();
    tracker.aborted();
    assert.equal(tracker.commitPosition(), undefined, 'nothing committing after the abort');
    assert.deepEqual(tracker.takeReady(), [0]);
    assert.equal(tracker.commitPosition()?.offset, 1);
  });

  it('moves past transaction markers that never reach the handler', () => {
    const tracker = createPartitionTracker(5);
    tracker.accept(5);
    tracker.ready(5);
    tracker.takeReady();
    tracker.committed();
    assert.equal(tracker.base, 6);
    tracker.passOver(6);
    assert.equal(tracker.commitPosition()?.offset, 7, 'the marker at 6 is committed past');
  });

  it('encodes wide windows within the 4 KiB metadata limit', () => {
    const done = Array.from({ length: 2_000 }, (_, i) => 1_000 + i * 10);
    const metadata = encodeDoneOffsets(1_000, done);
    assert.ok(metadata.length < 4_096, `metadata is ${metadata.length} chars`);
    assert.deepEqual([...decodeDoneOffsets(1_000, metadata)].sort((a, b) => a - b), done);
  });
});
