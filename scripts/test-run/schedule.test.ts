import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextJob, type Schedulable } from './schedule.ts';

const job = (name: string, seconds: number, load = 1): Schedulable => ({ name, costMs: seconds * 1_000, load });

/** Simulates a run: the order in which jobs start and when the last one ends. */
function simulate(jobs: Schedulable[], capacity: number): { order: string[]; endMs: number; peakLoad: number } {
  const waiting = [...jobs];
  const running: Array<Schedulable & { endsAt: number }> = [];
  const order: string[] = [];
  let now = 0;
  let peakLoad = 0;
  for (;;) {
    for (let next = nextJob(waiting, running, capacity); next; next = nextJob(waiting, running, capacity)) {
      waiting.splice(waiting.indexOf(next), 1);
      running.push({ ...next, endsAt: now + next.costMs });
      order.push(next.name);
      peakLoad = Math.max(peakLoad, running.reduce((sum, j) => sum + j.load, 0));
    }
    if (running.length === 0) return { order, endMs: now, peakLoad };
    running.sort((a, b) => a.endsAt - b.endsAt);
    now = running.shift()!.endsAt;
  }
}

describe('nextJob', () => {
  it('starts the longest first, while the loads fit', () => {
    assert.equal(nextJob([job('a', 10), job('b', 30), job('c', 20)], [], 2)?.name, 'b');
    assert.equal(nextJob([job('a', 10)], [job('b', 30), job('c', 20)], 2), undefined);
  });

  it('puts heavy files beside light ones, not beside each other', () => {
    assert.equal(nextJob([job('cluster', 90, 3), job('small', 5)], [job('broker', 60, 2)], 4)?.name, 'small');
    assert.equal(nextJob([job('cluster', 90, 3)], [job('broker', 60, 2)], 4), undefined);
    const { order, peakLoad } = simulate([job('h1', 50, 3), job('h2', 40, 3), job('l1', 30), job('l2', 20)], 4);
    assert.deepEqual(order, ['h1', 'l1', 'l2', 'h2']);
    assert.equal(peakLoad, 4);
  });

  it('runs a job heavier than the capacity alone', () => {
    assert.equal(nextJob([job('huge', 10, 5)], [], 4)?.name, 'huge');
    assert.equal(nextJob([job('small', 10)], [job('huge', 10, 5)], 4), undefined);
  });

  it('runs everything, and in parallel ends near the longest path', () => {
    const jobs = [job('a', 100), job('b', 60), job('c', 40), job('d', 30), job('e', 30), job('f', 10, 2), job('g', 90, 2)];
    const { order, endMs, peakLoad } = simulate(jobs, 4);
    assert.deepEqual([...order].sort(), jobs.map((j) => j.name).sort());
    assert.ok(endMs <= 130_000, `ended at ${endMs} ms`);
    assert.ok(peakLoad <= 4);
    assert.equal(simulate(jobs, 1).endMs, 360_000);
  });
});
