import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows the burst at once, then one request per 1/rate seconds', () => {
    const bucket = createTokenBucket(4, 2, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 250, 'empty: the next token comes in 250 ms');
    assert.equal(bucket.take(100), 150);
    assert.equal(bucket.take(250), 0);
    assert.equal(bucket.take(250), 250);
  });

  it('saves up no more than the burst', () => {
    const bucket = createTokenBucket(1, 1, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(60_000), 0);
    assert.equal(bucket.take(60_000), 1_000, 'an idle minute bought one request, not sixty');
  });

  it('handles rates below one a second', () => {
    const bucket = createTokenBucket(0.5, 1, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 2_000);
  });
});
