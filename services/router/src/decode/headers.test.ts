import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasHeaderWithPrefix, headerText, readHeader } from './headers.ts';

describe('record headers', () => {
  it('reads Buffer and string values, the first of a repeated header', () => {
    const headers = { a: Buffer.from('x'), b: 'y', c: [Buffer.from('first'), 'second'] };
    assert.equal(headerText(headers, 'a'), 'x');
    assert.equal(headerText(headers, 'b'), 'y');
    assert.equal(headerText(headers, 'c'), 'first');
    assert.equal(headerText(headers, 'missing'), undefined);
  });

  it('matches names case-insensitively when there is no exact match', () => {
    const headers = { 'Content-Type': Buffer.from('application/json'), 'content-type': undefined };
    assert.deepEqual(readHeader(headers, 'content-type'), { kind: 'text', name: 'Content-Type', text: 'application/json' });
    assert.deepEqual(readHeader({ ID: 'upper', id: 'lower' }, 'id'), { kind: 'text', name: 'id', text: 'lower' });
  });

  it('reports invalid UTF-8 instead of replacing characters', () => {
    assert.deepEqual(readHeader({ h: Buffer.from([0xc3, 0x28]) }, 'h'), { kind: 'not-utf8', name: 'h' });
  });

  it('survives odd header objects', () => {
    assert.deepEqual(readHeader(null, 'x'), { kind: 'absent' });
    assert.deepEqual(readHeader({ x: [] }, 'x'), { kind: 'absent' });
    assert.deepEqual(readHeader({ x: 42 as unknown as string }, 'x'), { kind: 'absent' });
    assert.deepEqual(readHeader({}, '__proto__'), { kind: 'absent' });
    assert.deepEqual(readHeader({}, 'constructor'), { kind: 'absent' });
    assert.equal(hasHeaderWithPrefix({ CE_ID: 'x' }, 'ce_'), true);
    assert.equal(hasHeaderWithPrefix({ id: 'x' }, 'ce_'), false);
  });
});
