import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventTime, parseIsoTime, recordTime } from './time.ts';

describe('event times', () => {
  it('parses ISO-8601 date-times with offsets, fractions and Z', () => {
    assert.equal(parseIsoTime('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseIsoTime('2024-05-01T10:00:00.123Z'), Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    assert.equal(parseIsoTime('2024-05-01T10:00:00.123456789Z'), Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    assert.equal(parseIsoTime('2024-05-01T12:30:00+02:30'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseIsoTime('2024-05-01T05:00:00-0500'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseIsoTime('2024-05-01t10:00:00z'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseIsoTime('2024-05-01 10:00:00Z'), Date.UTC(2024, 4, 1, 10));
  });

  it('reads a date-time without offset as UTC, whatever the machine time zone', () => {
    assert.equal(parseIsoTime('2024-05-01T10:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseIsoTime('2024-05-01'), Date.UTC(2024, 4, 1));
  });

  it('rejects impossible or non-ISO dates', () => {
    for (const bad of ['2024-02-30T00:00:00Z', '2024-13-01', '2024-05-01T24:00:00Z', '2024-05-01T10:00:00+25:00', 'May 1 2024', '1714557600', '', 'now']) {
      assert.equal(parseIsoTime(bad), undefined, bad);
    }
  });

  it('demands seconds and an offset in RFC 3339 mode (CloudEvents time)', () => {
    assert.equal(parseIsoTime('2024-05-01T10:00Z', { rfc3339: true }), undefined);
    assert.equal(parseIsoTime('2024-05-01T10:00:00', { rfc3339: true }), undefined);
    assert.equal(parseIsoTime('2024-05-01', { rfc3339: true }), undefined);
    assert.equal(parseIsoTime('2024-05-01T10:00:00Z', { rfc3339: true }), Date.UTC(2024, 4, 1, 10));
  });

  it('accepts epoch ms as number, bigint or digit string', () => {
    assert.equal(parseEventTime(1714557600000), 1714557600000);
    assert.equal(parseEventTime(1714557600000.7), 1714557600000);
    assert.equal(parseEventTime(1714557600000n), 1714557600000);
    assert.equal(parseEventTime('1714557600000'), 1714557600000);
    assert.equal(parseEventTime('2024-05-01T10:00:00Z'), 1714557600000);
    for (const bad of [Number.NaN, Infinity, 1e20, true, null, undefined, {}, 'soon']) {
      assert.equal(parseEventTime(bad), undefined, String(bad));
    }
  });

  it('takes the record timestamp, or now when it is not a number', () => {
    assert.equal(recordTime('1700000000000'), 1700000000000);
    const before = Date.now();
    assert.ok(recordTime('junk') >= before);
    assert.ok(recordTime('') >= before);
    assert.ok(recordTime(undefined) >= before);
  });
});
