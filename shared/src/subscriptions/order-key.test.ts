import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ORDER_KEY_BYTES, orderedSchema, orderKeyOf } from './order-key.ts';

describe('ordering keys', () => {
  const payload = JSON.stringify({ customer: { id: 'c-7', n: 42 }, lines: [{ sku: 'a1' }, { sku: 'b2' }] });

  it('reads a JSON path into the payload', () => {
    assert.equal(orderKeyOf({ key: '$.customer.id' }, payload), 'c-7');
    assert.equal(orderKeyOf({ key: '$.lines[1].sku' }, Buffer.from(payload)), 'b2');
    assert.equal(orderKeyOf({ key: '$[1]' }, '["x","y"]'), 'y');
  });

  it('keeps non-string values as JSON', () => {
    assert.equal(orderKeyOf({ key: '$.customer.n' }, payload), '42');
    assert.equal(orderKeyOf({ key: '$.lines[0]' }, payload), '{"sku":"a1"}');
  });

  it('reads a source header', () => {
    assert.equal(orderKeyOf({ key: 'header:partition-key' }, payload, { 'partition-key': Buffer.from('k1') }), 'k1');
  });

  it('gives events without the key the empty key, which is one queue of its own', () => {
    assert.equal(orderKeyOf({ key: '$.customer.missing' }, payload), '');
    assert.equal(orderKeyOf({ key: '$.lines[5].sku' }, payload), '');
    assert.equal(orderKeyOf({ key: '$.customer.id' }, 'not json'), '');
    assert.equal(orderKeyOf({ key: '$.constructor' }, payload), '', 'own properties only');
    assert.equal(orderKeyOf({ key: 'header:absent' }, payload, {}), '');
  });

  it('replaces a key longer than the bound by its digest', () => {
    const long = 'x'.repeat(MAX_ORDER_KEY_BYTES + 1);
    const key = orderKeyOf({ key: '$.k' }, JSON.stringify({ k: long }));
    assert.match(key, /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.equal(orderKeyOf({ key: '$.k' }, JSON.stringify({ k: long })), key);
  });

  it('accepts paths and headers, continue by default, and names what it expects otherwise', () => {
    assert.deepEqual(orderedSchema.parse({ key: '$.customer.id' }), { key: '$.customer.id', onDeadLetter: 'continue' });
    assert.equal(orderedSchema.parse({ key: 'header:k', onDeadLetter: 'park' }).onDeadLetter, 'park');
    for (const key of ['customer.id', '$', '$..x', 'header:', 'header:a b']) {
      const result = orderedSchema.safeParse({ key });
      assert.equal(result.success, false, key);
      assert.match(result.error!.issues[0]!.message, /JSON path/);
    }
  });
});
