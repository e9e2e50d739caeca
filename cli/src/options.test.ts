import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { collect, jsonObject, oneOf, positiveNumber, timeArgument, wholeNumber } from './options.ts';

describe('option parsers', () => {
  it('accepts whole numbers in range and names the range otherwise', () => {
    assert.equal(wholeNumber(1, 10)('7'), 7);
    for (const bad of ['abc', '', '0', '11', '1.5']) {
      assert.throws(() => wholeNumber(1, 10)(bad), (e: unknown) => e instanceof InvalidArgumentError && /expected a whole number from 1 to 10/.test(e.message));
    }
  });

  it('accepts positive numbers only', () => {
    assert.equal(positiveNumber('2.5'), 2.5);
    assert.throws(() => positiveNumber('-1'), InvalidArgumentError);
    assert.throws(() => positiveNumber('many'), InvalidArgumentError);
  });

  it('reads times as ISO, epoch ms, "now" and relative to now', () => {
    const time = timeArgument(() => 10_000_000);
    assert.equal(time('now'), 10_000_000);
    assert.equal(time('-2h'), 10_000_000 - 7_200_000);
    assert.equal(time('-30s'), 10_000_000 - 30_000);
    assert.equal(time('2h'), 10_000_000 - 7_200_000, 'without the minus sign too');
    assert.equal(time('30m'), 10_000_000 - 1_800_000);
    assert.equal(time('1767225600000'), 1_767_225_600_000);
    assert.equal(time('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
    for (const bad of ['yesterday', '2 hours', '30x', 'h']) assert.throws(() => time(bad), /expected a time: .*"2h", "30m"/);
  });

  it('collects repeated and comma-separated values, and checks enum values', () => {
    assert.deepEqual(collect('b, c', collect('a')), ['a', 'b', 'c']);
    assert.deepEqual(oneOf(['gone', 'permanent'])('gone', ['permanent']), ['permanent', 'gone']);
    assert.throws(() => oneOf(['gone', 'permanent'])('lost'), /expected one of gone, permanent, got "lost"/);
  });

  it('parses a JSON object and refuses anything else', () => {
    assert.deepEqual(jsonObject('{"amount": 42}'), { amount: 42 });
    assert.throws(() => jsonObject('[1]'), /expected a JSON object/);
    assert.throws(() => jsonObject('{amount'), /expected a JSON object/);
  });
});
