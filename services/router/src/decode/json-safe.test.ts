import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringifyJsonSafe, toJsonSafe } from './json-safe.ts';

describe('JSON-safe values', () => {
  it('turns bytes into base64, Maps into objects, Dates into ISO strings, non-finite numbers into null', () => {
    const tree = toJsonSafe({
      bytes: Buffer.from('hi'),
      u8: new Uint8Array([1, 2, 3]),
      map: new Map<unknown, unknown>([['a', 1], [2, 'b']]),
      set: new Set([1, 2]),
      date: new Date(Date.UTC(2024, 0, 1)),
      nan: Number.NaN,
      inf: -Infinity,
      skipped: undefined,
      fn: () => 1,
      list: [undefined, 1],
    });
    assert.deepEqual(tree, {
      bytes: 'aGk=',
      u8: 'AQID',
      map: { a: 1, 2: 'b' },
      set: [1, 2],
      date: '2024-01-01T00:00:00.000Z',
      nan: null,
      inf: null,
      list: [null, 1],
    });
  });

  it('writes bigints as exact JSON integers', () => {
    const text = stringifyJsonSafe(toJsonSafe({ small: 5n, big: 12345678901234567890n, negative: -9223372036854775808n }));
    assert.equal(text, '{"small":5,"big":12345678901234567890,"negative":-9223372036854775808}');
  });

  it('reads long.js Longs and objects with toJSON (protobuf messages)', () => {
    const long = { low: -1, high: 0x7fffffff, unsigned: false };
    assert.equal(toJsonSafe(long), 9223372036854775807n);
    assert.equal(toJsonSafe({ low: -1, high: -1, unsigned: true }), 18446744073709551615n);
    assert.equal(toJsonSafe({ low: -1, high: -1, unsigned: false }), -1n);
    class Message {
      x = 1;
      toJSON() {
        return { x: this.x, big: '9007199254740993' };
      }
    }
    assert.deepEqual(toJsonSafe(new Message()), { x: 1, big: '9007199254740993' });
  });

  it('keeps a "__proto__" key as data', () => {
    const source = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const tree = toJsonSafe(source) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(tree), Object.prototype);
    assert.equal(stringifyJsonSafe(tree), '{"__proto__":{"polluted":true}}');
  });

  it('throws on cycles (the caller reports it as undecodable)', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    assert.throws(() => toJsonSafe(a), /cycle/);
    const shared = { v: 1 };
    assert.deepEqual(toJsonSafe({ a: shared, b: shared }), { a: { v: 1 }, b: { v: 1 } });
  });
});
