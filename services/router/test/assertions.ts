import assert from 'node:assert/strict';
import type { DecodedEvent, DecodeResult, InvalidEvent, InvalidReason } from '../src/decode/types.ts';

export function assertEvent(result: DecodeResult): asserts result is DecodedEvent {
  assert.ok(!('invalid' in result), `expected an event, got ${JSON.stringify(result)}`);
}

/** An invalid result with this reason, whose detail is one line of at most 500 characters. */
export function assertInvalid(result: DecodeResult, reason: InvalidReason, detail?: RegExp): asserts result is InvalidEvent {
  assert.ok('invalid' in result, `expected ${reason}, got an event ${JSON.stringify(result)}`);
  assert.equal(result.reason, reason, result.detail);
  if (detail) assert.match(result.detail, detail);
  assert.ok(result.detail.length <= 500 && !result.detail.includes('\n'));
}
