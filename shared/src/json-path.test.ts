import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePath, valueAtPath } from './json-path.ts';

describe('json paths', () => {
  const doc = { id: 'e1', meta: { eventId: 'm1', nested: { deep: 0 } }, items: [{ id: 'i0' }, { id: 'i1' }], nil: null };

  it('follows dot paths through objects and array indexes', () => {
    assert.equal(valueAtPath(doc, compilePath('id')), 'e1');
    assert.equal(valueAtPath(doc, compilePath('meta.eventId')), 'm1');
    assert.equal(valueAtPath(doc, compilePath('meta.nested.deep')), 0);
    assert.equal(valueAtPath(doc, compilePath('items.1.id')), 'i1');
    assert.equal(valueAtPath(doc, compilePath('nil')), null);
  });

  it('gives undefined for missing steps, non-containers and bad indexes', () => {
    assert.equal(valueAtPath(doc, compilePath('meta.missing')), undefined);
    assert.equal(valueAtPath(doc, compilePath('id.length')), undefined);
    assert.equal(valueAtPath(doc, compilePath('items.2.id')), undefined);
    assert.equal(valueAtPath(doc, compilePath('items.01')), undefined);
    assert.equal(valueAtPath(doc, compilePath('nil.x')), undefined);
    assert.equal(valueAtPath('text', compilePath('x')), undefined);
  });

  it('never reads inherited properties', () => {
    assert.equal(valueAtPath({}, compilePath('constructor')), undefined);
    assert.equal(valueAtPath({}, compilePath('__proto__')), undefined);
    assert.equal(valueAtPath([], compilePath('length')), undefined);
    const own = JSON.parse('{"__proto__": {"type": "x"}}') as unknown;
    assert.equal(valueAtPath(own, compilePath('__proto__.type')), 'x');
  });

  it('rejects malformed paths at configuration time', () => {
    assert.throws(() => compilePath(''), TypeError);
    assert.throws(() => compilePath('a..b'), /empty segment/);
    assert.throws(() => compilePath('.a'), /empty segment/);
  });
});
