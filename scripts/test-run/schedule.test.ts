import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextJob, type Schedulable } from './schedule.ts';

const job = (name: string, seconds: number, heavy = false): Schedulable => ({ name, costMs: seconds * 1_000, heavy });

/** Simulates a run: the order in which jobs start and when the last one ends. */
function simulate(jobs: Schedulable[], slots: number): { order: string[]; endMs: number } {
  const waiting = [...jobs];
  const running: Array<Schedulable & { endsAt: number }> = [];
  const order: string[] = [];
  let now = 0;
  for (;;) {
    for (let next = nextJob(waiting, running, slots); next; next = nextJob(waiting, running, slots)) {
      waiting.splice(waiting.indexOf(next), 1);
      running.push({ ...next, endsAt: now + next.costMs });
      order.push(next.name);
    }
    if (running.length === 0) return { order, endMs: now };
    running.sort((a, b) => a.endsAt - b.endsAt);
    now = running.shift()!.endsAt;
  }
}

describe('nextJob', () => {
  it('starts the longest first, up to the slots', () => {
    assert.equal(nextJob([job('a', 10), job('b', 30), job('c', 20)], [], 2)?.name, 'b');
    assert.equal(nextJob([job('a', 10)], [job('b', 30), job('c', 20)], 2), undefined);
  });

  it('never runs two heavy files together', () => {
    assert.equal(nextJob([job('cluster', 90, true), job('small', 5)], [job('broker', 60, true)], 3)?.name, 'small');
    assert.equal(nextJob([job('cluster', 90, true)], [job('broker', 60, true)], 3), undefined);
    const { order } = simulate([job('h1', 50, true), job('h2', 40, true), job('l1', 30), job('l2', 20)], 2);
    assert.deepEqual(order, ['h1', 'l1', 'l2', 'h2']);
  });

  it('runs everything, and in parallel ends near the longest path', () => {
    const jobs = [job('a', 100), job('b', 60), job('c', 40), job('d', 30), job('e', 30), job('f', 10, true), job('g', 90, true)];
    const { order, endMs } = simulate(jobs, 3);
    assert.deepEqual([...order].sort(), jobs.map((j) => j.name).sort());
    assert.ok(endMs <= 130_000, `ended at ${endMs} ms`);
    assert.equal(simulate(jobs, 1).endMs, 360_000);
  });
});
