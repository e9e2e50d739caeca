import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter('1', NOW), 1_000);
    assert.equal(parseRetryAfter(' 30 ', NOW), 30_000);
  });

  it('treats 0 and dates not in the future as no hint', () => {
    assert.equal(parseRetryAfter('0', NOW), undefined);
    assert.equal(parseRetryAfter('Wed, 15 Jan 2025 12:00:00 GMT', NOW), undefined);
    assert.equal(parseRetryAfter('Tue, 14 Jan 2025 12:00:00 GMT', NOW), undefined);
  });

  it('reads an IMF-fixdate', () => {
    assert.equal(parseRetryAfter('Wed, 15 Jan 2025 12:01:30 GMT', NOW), 90_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    assert.equal(parseRetryAfter('Wednesday, 15-Jan-25 12:00:10 GMT', NOW), 10_000);
    assert.equal(parseRetryAfter('Wed Jan 15 12:00:20 2025', NOW), 20_000);
    assert.equal(parseRetryAfter('Wed Jan  5 12:00:20 2025', Date.UTC(2025, 0, 5, 12)), 20_000);
  });

  it('caps absurd values', () => {
    assert.equal(parseRetryAfter('999999999999999999999', NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter('Fri, 15 Jan 2100 12:00:00 GMT', NOW), MAX_RETRY_AFTER_MS);
  });

  for (const value of [undefined, '', '   ', '-5', '1.5', '+3', '10s', 'soon', '0x10', 'Wed, 32 Jan 2025 12:00:00 GMT', 'Wed, 31 Feb 2025 12:00:00 GMT', 'Wed, 15 Foo 2025 12:00:00 GMT', '2025-01-15T12:01:00Z', 'Wed, 15 Jan 2025 12:01:00 PST']) {
    it(`rejects ${JSON.stringify(value)}`, () => assert.equal(parseRetryAfter(value, NOW), undefined));
  }
});
