import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { w3cTraceparent } from './fanout.ts';

describe('fan-out trace context', () => {
  it('passes a W3C traceparent on, and nothing else (the header stays within its size bound)', () => {
    const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal(w3cTraceparent(valid), valid);
    assert.equal(w3cTraceparent(` ${valid} `), valid);
    assert.equal(w3cTraceparent(undefined), undefined);
    assert.equal(w3cTraceparent('x'.repeat(100_000)), undefined);
    assert.equal(w3cTraceparent(`${valid}-extra`), undefined);
  });
});
