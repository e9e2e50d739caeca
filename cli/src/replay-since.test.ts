import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { replaySince } from './replay-since.ts';

const NOW = Date.UTC(2026, 0, 31, 12);
const since = replaySince(() => NOW);

describe('--replay-since', () => {
  it('reads how long ago, with or without a minus sign', () => {
    assert.equal(since('2h'), NOW - 7_200_000);
    assert.equal(since('-2h'), NOW - 7_200_000);
    assert.equal(since('30m'), NOW - 1_800_000);
    assert.equal(since('7d'), NOW - 7 * 86_400_000);
    assert.equal(since('90s'), NOW - 90_000);
  });

  it('reads ISO 8601 times, dates and offsets', () => {
    assert.equal(since('2026-01-31T10:00:00Z'), Date.UTC(2026, 0, 31, 10));
    assert.equal(since('2026-01-31T10:00:00.250Z'), Date.UTC(2026, 0, 31, 10, 0, 0, 250));
    assert.equal(since('2026-01-31T11:00:00+01:00'), Date.UTC(2026, 0, 31, 10));
    assert.equal(since('2026-01-30'), Date.UTC(2026, 0, 30));
  });

  it('refuses anything else in one line that says what was expected', () => {
    for (const bad of ['yesterday', '2 hours', '2w', '', '12', '2026-13-45T00:00:00Z', '31/01/2026']) {
      assert.throws(
        () => since(bad),
        (e: unknown) => e instanceof InvalidArgumentError && e.message === `expected an ISO 8601 time (2026-01-31T12:00:00Z) or how long ago (30m, 2h, 7d), got "${bad}".`,
        bad,
      );
    }
  });

  it('refuses a time in the future', () => {
    assert.throws(() => since('2026-02-01T00:00:00Z'), /"2026-02-01T00:00:00Z" is in the future: expected a past time/);
  });
});
