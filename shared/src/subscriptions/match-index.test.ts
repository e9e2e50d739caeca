import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createMatchIndex, indexRegistry } from './match-index.ts';
import { matchSubscriptions } from './match.ts';
import type { Subscription } from './subscription.ts';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const base = { source: 's', destination: 'd', url: 'https://x.example.com', tier: 1 as const, secrets: [SECRET], maxInFlight: 1 };
const sub = (id: string, eventTypes: string[], more: Partial<Subscription> = {}): Subscription => ({ ...base, id, eventTypes, enabled: true, ...more });
const ids = (subscriptions: Subscription[]) => subscriptions.map((s) => s.id);

// Small alphabets, so that generated patterns and events often meet.
const segment = fc.constantFrom('order', 'paid', 'user', 'a', 'v2', '');
const eventType = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
const pattern = fc.oneof(fc.constant('*'), eventType, eventType.map((t) => `${t}.*`));
const topic = fc.constantFrom('shop', 'crm', 'erp');
const subscription = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'a.1', 'b-2'),
  eventTypes: fc.array(pattern, { minLength: 1, maxLength: 3 }),
  topics: fc.option(fc.array(topic, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  enabled: fc.boolean(),
});
/** A change as the registry reads it: a subscription written, or a tombstone for an id. */
const change = fc.oneof(
  subscription.map((s) => ({ id: s.id, subscription: sub(s.id, s.eventTypes, { enabled: s.enabled, ...(s.topics ? { topics: s.topics } : {}) }) })),
  fc.constantFrom('a', 'c', 'h').map((id) => ({ id, subscription: undefined })),
);

describe('subscription match index', () => {
  it('returns exactly what the scan returns, in the same order, after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), fc.array(fc.record({ type: eventType, topic }), { minLength: 1, maxLength: 10 }), (changes, events) => {
        const index = createMatchIndex();
        const live = new Map<string, Subscription>();
        for (const { id, subscription } of changes) {
          index.set(id, subscription);
          if (subscription) live.set(id, subscription);
          else live.delete(id);
        }
        for (const event of events) assert.deepEqual(index.match(event), matchSubscriptions(live.values(), event));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps no empty entries: after any changes, removing every subscription leaves it holding nothing', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), (changes) => {
        const index = createMatchIndex();
        for (const { id, subscription } of changes) index.set(id, subscription);
        const before = index.slots;
        for (const { id } of changes) index.set(id, undefined);
        assert.equal(index.size, 0);
        assert.equal(index.slots, 0, `${before} slots before, none after`);
      }),
      { numRuns: 300 },
    );
  });

  it('matches `*`, prefix wildcards at every dot and exact types, within the topics given', () => {
    const index = createMatchIndex([
      sub('all', ['*']),
      sub('orders', ['order.*']),
      sub('paid-v', ['order.paid.*']),
      sub('exact', ['order.paid']),
      sub('crm-only', ['*'], { topics: ['crm'] }),
      sub('off', ['*'], { enabled: false }),
    ]);
    assert.deepEqual(ids(index.match({ type: 'order.paid', topic: 'shop' })), ['all', 'exact', 'orders']);
    assert.deepEqual(ids(index.match({ type: 'order.paid.v2', topic: 'crm' })), ['all', 'crm-only', 'orders', 'paid-v']);
    assert.deepEqual(ids(index.match({ type: 'order', topic: 'shop' })), ['all']);
    assert.equal(index.size, 5, 'a disabled subscription is not indexed');
  });

  it('lists a subscription once although several of its patterns match', () => {
    const index = createMatchIndex([sub('x', ['*', 'order.*', 'order.paid'])]);
    assert.deepEqual(ids(index.match({ type: 'order.paid', topic: 'shop' })), ['x']);
  });

  it('follows the registry: a replaced, disabled or deleted subscription routes as the registry now says', () => {
    const listeners: Array<(id: string, s: Subscription | undefined) => void> = [];
    const registry = { all: () => [sub('a', ['order.*'])], onChange: (l: (id: string, s: Subscription | undefined) => void) => void listeners.push(l) };
    const index = indexRegistry(registry);
    const emit = (id: string, s: Subscription | undefined) => listeners.forEach((l) => l(id, s));
    const order = { type: 'order.paid', topic: 'shop' };
    assert.deepEqual(ids(index.match(order)), ['a']);
    emit('a', sub('a', ['user.*']));
    assert.deepEqual(ids(index.match(order)), [], 'the old patterns are gone');
    emit('b', sub('b', ['order.paid']));
    emit('a', sub('a', ['*'], { enabled: false }));
    assert.deepEqual(ids(index.match(order)), ['b']);
    emit('b', undefined);
    assert.deepEqual(ids(index.match(order)), []);
  });
});
