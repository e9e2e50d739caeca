import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaPortError, type CommittedOffset, type OffsetsPort } from '../port.ts';
import { readStableOffsets } from './stable-offsets.ts';

/** An offsets port that answers 'unstable' `unstableFor` times, then the offsets. */
function port(unstableFor: number, offsets: CommittedOffset[] = [{ partition: 0, offset: 7, metadata: '' }]) {
  const asked: Array<number[] | undefined> = [];
  const offsetsPort: OffsetsPort = {
    async committed(_groupId, _topic, partitions) {
      asked.push(partitions);
      if (asked.length <= unstableFor) throw new KafkaPortError('unstable', new Error('UNSTABLE_OFFSET_COMMIT'));
      return offsets;
    },
  };
  return { offsetsPort, asked };
}

describe('readStableOffsets', () => {
  it('asks again while a transactional commit is pending, for the partitions given, and says how long it waited', async () => {
    const { offsetsPort, asked } = port(3);
    const read = await readStableOffsets({ offsets: offsetsPort, groupId: 'g', topic: 't', partitions: [0], callTimeoutMs: 1_000, waitMs: 10_000 });
    assert.deepEqual(read?.offsets, [{ partition: 0, offset: 7, metadata: '' }]);
    assert.equal(read?.unstableReads, 3);
    assert.ok(read!.waitedMs >= 50 + 100 + 200 - 5, `waited ${read!.waitedMs} ms`);
    assert.deepEqual(asked, [[0], [0], [0], [0]]);
  });

  it('never answers unstable offsets: past its bound it throws, naming the topic and the group', async () => {
    const { offsetsPort } = port(Infinity);
    await assert.rejects(
      readStableOffsets({ offsets: offsetsPort, groupId: 'g', topic: 't', partitions: [0], callTimeoutMs: 1_000, waitMs: 300 }),
      /committed offsets of t for g were not stable within 300 ms \(\d+ unstable answers\)/,
    );
  });

  it('stops waiting, with no answer, when keepWaiting says so (the batch is no longer current)', async () => {
    const { offsetsPort } = port(Infinity);
    const read = await readStableOffsets({ offsets: offsetsPort, groupId: 'g', topic: 't', partitions: [0], callTimeoutMs: 1_000, waitMs: 10_000, keepWaiting: async () => false });
    assert.equal(read, undefined);
  });
});
