import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunksBySize } from './commit-loop.ts';

describe('chunksBySize', () => {
  const record = (bytes: number) => ({ topic: 't', message: { value: Buffer.alloc(bytes) } });

  it('keeps each produce request under the limit, in order', () => {
    const records = Array.from({ length: 10 }, () => record(1_000));
    const chunks = chunksBySize(records, 3_000);
    assert.deepEqual(chunks.map((c) => c.length), [2, 2, 2, 2, 2], 'each record counts 1000 B + 256 B of overhead');
    assert.deepEqual(chunks.flat(), records);
  });

  it('gives an oversized record a request of its own', () => {
    assert.deepEqual(chunksBySize([record(10), record(10_000), record(10)], 1_000).map((c) => c.length), [1, 1, 1]);
  });

  it('returns nothing for nothing', () => {
    assert.deepEqual(chunksBySize([], 1_000), []);
  });
});
