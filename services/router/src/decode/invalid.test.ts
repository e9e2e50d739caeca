import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalid, MAX_DETAIL_CHARS, oneLine, quote } from './invalid.ts';

describe('invalid-event details', () => {
  it('are one line of at most 500 characters', () => {
    const result = invalid('invalid-json', `line one\nline two\r\n\ttab ${'x'.repeat(2_000)}`);
    assert.equal(result.invalid, true);
    assert.equal(result.reason, 'invalid-json');
    assert.ok(result.detail.length <= MAX_DETAIL_CHARS);
    assert.ok(!/[\n\r\t]/.test(result.detail));
    assert.ok(result.detail.startsWith('line one line two tab x'));
    assert.ok(result.detail.endsWith('…'));
  });

  it('never cut a surrogate pair in half', () => {
    const text = `${'a'.repeat(8)}😀😀`;
    const cut = oneLine(text, 10);
    assert.equal(cut, `${'a'.repeat(8)}…`);
  });

  it('quote values readably', () => {
    assert.equal(quote('a"b'), '"a\\"b"');
    assert.equal(quote(12), '12');
    assert.equal(quote(5n), '5n');
    assert.equal(quote(undefined), 'undefined');
    assert.equal(quote('x'.repeat(200), 10).length, 10);
  });
});
