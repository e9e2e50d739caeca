import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createKeyQueues } from './key-queues.ts';

describe('per-key queues of ordered subscriptions', () => {
  it('runs the first item of a key and queues the rest behind it', () => {
    const queues = createKeyQueues<string>();
    assert.equal(queues.arrive('k', 'a1'), 'start');
    assert.equal(queues.arrive('k', 'a2'), 'wait');
    assert.equal(queues.arrive('k', 'a3'), 'wait');
    assert.equal(queues.waiting('k'), 2);
  });

  it('lets other keys run while one key waits on its head', () => {
    const queues = createKeyQueues<string>();
    queues.arrive('blocked', 'b1');
    queues.arrive('blocked', 'b2');
    assert.equal(queues.arrive('other', 'o1'), 'start');
    assert.deepEqual(queues.finish('other', 'o1', 'delivered', 'continue'), { parked: [] });
    assert.equal(queues.arrive('other', 'o2'), 'start');
    assert.equal(queues.waiting('blocked'), 1);
  });

  it('starts the next item only when the head is delivered, in arrival order', () => {
    const queues = createKeyQueues<string>();
    for (const item of ['a1', 'a2', 'a3']) queues.arrive('k', item);
    assert.deepEqual(queues.finish('k', 'a1', 'delivered', 'continue'), { next: 'a2', parked: [] });
    assert.deepEqual(queues.finish('k', 'a2', 'delivered', 'continue'), { next: 'a3', parked: [] });
    assert.deepEqual(queues.finish('k', 'a3', 'delivered', 'continue'), { parked: [] });
    assert.equal(queues.keys, 0, 'an idle key holds no memory');
  });

  it('continues with the next item after a dead-lettered head by default', () => {
    const queues = createKeyQueues<string>();
    queues.arrive('k', 'a1');
    queues.arrive('k', 'a2');
    assert.deepEqual(queues.finish('k', 'a1', 'dead-lettered', 'continue'), { next: 'a2', parked: [] });
  });

  it('parks a key after a dead-lettered head: the waiting items and later arrivals, until a replay arrives', () => {
    const queues = createKeyQueues<string>();
    for (const item of ['a1', 'a2', 'a3']) queues.arrive('k', item);
    assert.deepEqual(queues.finish('k', 'a1', 'dead-lettered', 'park'), { parked: ['a2', 'a3'] });
    assert.equal(queues.isParked('k'), true);
    assert.equal(queues.arrive('k', 'a4'), 'park');
    assert.equal(queues.arrive('other', 'o1'), 'start', 'other keys are not parked');
    assert.equal(queues.arrive('k', 'a1-replayed', { unpark: true }), 'start');
    assert.equal(queues.arrive('k', 'a2-replayed', { unpark: true }), 'wait');
    assert.equal(queues.isParked('k'), false);
  });

  it('parks a key the durable state holds, and unparks one it says was released elsewhere', () => {
    const queues = createKeyQueues<string>();
    assert.equal(queues.arrive('k', 'a4', { held: true }), 'park', 'held in the parked-state topic (after a restart)');
    assert.equal(queues.arrive('k', 'a5'), 'park');
    assert.equal(queues.arrive('k', 'a1-replayed', { unpark: true, held: true }), 'start', 'a replay wins over the hold');
    queues.arrive('j', 'j1');
    queues.finish('j', 'j1', 'dead-lettered', 'park');
    assert.equal(queues.arrive('j', 'j2', { unpark: true }), 'start', 'released by another instance while this one had it parked');
  });

  it('hands back a moved key\'s items, head first, and starts the key afresh on its next arrival', () => {
    const queues = createKeyQueues<string>();
    for (const item of ['a1', 'a2', 'a3']) queues.arrive('k', item);
    assert.deepEqual(queues.evict('k'), ['a1', 'a2', 'a3']);
    assert.equal(queues.keys, 0);
    assert.deepEqual(queues.finish('k', 'a1', 'delivered', 'continue'), { parked: [] }, 'the moved head no longer drives the key');
    assert.equal(queues.arrive('k', 'a4'), 'start');
    assert.deepEqual(queues.evict('none'), []);
  });

  it('gives up a revoked waiting item without disturbing the head', () => {
    const queues = createKeyQueues<string>();
    for (const item of ['a1', 'a2', 'a3']) queues.arrive('k', item);
    assert.deepEqual(queues.abandon('k', 'a2'), { parked: [] });
    assert.deepEqual(queues.finish('k', 'a1', 'delivered', 'continue'), { next: 'a3', parked: [] });
  });

  it('lets the next item start when a revoked head is given up', () => {
    const queues = createKeyQueues<string>();
    queues.arrive('k', 'a1');
    queues.arrive('k', 'a2');
    assert.deepEqual(queues.abandon('k', 'a1'), { next: 'a2', parked: [] });
    assert.deepEqual(queues.finish('k', 'a1', 'delivered', 'continue'), { parked: [] }, 'a finish from a head already given up changes nothing');
  });

  it('keeps, for any interleaving of keys and outcomes, one item in flight per key and arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 3 }), outcome: fc.constantFrom('delivered', 'dead-lettered') as fc.Arbitrary<'delivered' | 'dead-lettered'> }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 200 }),
        (arrivals, finishOrder) => {
          const queues = createKeyQueues<number>();
          const running = new Map<string, number>();
          const started: Array<{ key: string; index: number }> = [];
          const outcomeOf = (index: number) => arrivals[index]!.outcome;
          const start = (key: string, index: number | undefined) => {
            if (index === undefined) return;
            assert.equal(running.has(key), false, 'one in flight per key');
            running.set(key, index);
            started.push({ key, index });
          };
          arrivals.forEach(({ key }, index) => {
            if (queues.arrive(String(key), index) === 'start') start(String(key), index);
          });
          for (const key of finishOrder.map(String)) {
            const head = running.get(key);
            if (head === undefined) continue;
            running.delete(key);
            start(key, queues.finish(key, head, outcomeOf(head), 'continue').next);
          }
          for (let busy = true; busy; ) {
            busy = false;
            for (const [key, head] of [...running]) {
              running.delete(key);
              start(key, queues.finish(key, head, outcomeOf(head), 'continue').next);
              busy = true;
            }
          }
          assert.equal(started.length, arrivals.length, 'every item runs once');
          for (const key of ['0', '1', '2', '3']) {
            const order = started.filter((s) => s.key === key).map((s) => s.index);
            assert.deepEqual(order, [...order].sort((a, b) => a - b), `key ${key} in arrival order`);
          }
          assert.equal(queues.keys, 0);
        },
      ),
    );
  });
});
