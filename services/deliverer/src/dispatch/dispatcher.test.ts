import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDispatcher } from './dispatcher.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dispatcher', () => {
  it('counts a subscription with work while its queue is empty: pending, or a job within the last 5 s', async () => {
    let clock = 0;
    const dispatcher = createDispatcher({ limitFor: () => ({ maxInFlight: 1 }), now: () => clock });
    let release!: () => void;
    dispatcher.submit({ subscriptionId: 'slow', dueAt: 0, run: () => new Promise<void>((resolve) => (release = resolve)) });
    dispatcher.submit({ subscriptionId: 'fast', dueAt: 0, run: async () => undefined });
    await tick(1);
    assert.deepEqual(dispatcher.load('fast'), { pending: 0, running: 0 });
    assert.equal(dispatcher.active('slow'), 2, 'fast finished its job, and still has work');
    assert.equal(dispatcher.active('new'), 3, 'a newcomer counts itself');
    clock = 6_000;
    assert.equal(dispatcher.active('slow'), 1, 'fast idle for 5 s: only slow (still pending) has work');
    release();
  });

  it('bounds each subscription on its own', async () => {
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const releases: Array<() => void> = [];
    const dispatcher = createDispatcher({ limitFor: (id) => ({ maxInFlight: id === 'slow' ? 2 : 5 }) });
    for (let i = 0; i < 10; i++) {
      for (const id of ['slow', 'fast']) {
        dispatcher.submit({
          subscriptionId: id,
          dueAt: 0,
          run: async () => {
            running.set(id, (running.get(id) ?? 0) + 1);
            peak.set(id, Math.max(peak.get(id) ?? 0, running.get(id)!));
            await new Promise<void>((resolve) => releases.push(resolve));
            running.set(id, running.get(id)! - 1);
          },
        });
      }
    }
    await tick(5);
    assert.equal(running.get('slow'), 2);
    assert.equal(running.get('fast'), 5);
    while (dispatcher.pending > 0) {
      releases.splice(0).forEach((release) => release());
      await tick(1);
    }
    assert.equal(peak.get('slow'), 2);
    assert.equal(peak.get('fast'), 5);
  });

  it('drops jobs whose record moved away before they run: waiting timers and queue places go', async () => {
    const dispatcher = createDispatcher({ limitFor: () => ({ maxInFlight: 1 }) });
    const controller = new AbortController();
    const ran: string[] = [];
    let release!: () => void;
    dispatcher.submit({ subscriptionId: 's', dueAt: 0, signal: controller.signal, run: () => new Promise<void>((resolve) => (ran.push('running'), (release = resolve))) });
    dispatcher.submit({ subscriptionId: 's', dueAt: 0, signal: controller.signal, run: async () => void ran.push('queued') });
    dispatcher.submit({ subscriptionId: 's', dueAt: Date.now() + 60_000, signal: controller.signal, run: async () => void ran.push('waiting') });
    await tick(5);
    assert.equal(dispatcher.pending, 3);
    controller.abort();
    assert.equal(dispatcher.pending, 1, 'only the running job is left');
    release();
    await tick(5);
    assert.equal(dispatcher.pending, 0);
    assert.deepEqual(ran, ['running'], 'the queued and the waiting job never ran');
    assert.equal(await dispatcher.drain(100), true, 'no timer was left behind');
  });

  it('never starts a job before it is due', async () => {
    const dispatcher = createDispatcher({ limitFor: () => ({ maxInFlight: 10 }) });
    const started: number[] = [];
    const dueAt = Date.now() + 50;
    dispatcher.submit({ subscriptionId: 's', dueAt, run: async () => void started.push(Date.now()) });
    await tick(20);
    assert.equal(started.length, 0);
    await tick(60);
    assert.equal(started.length, 1);
    assert.ok(started[0]! >= dueAt);
  });

  it('drain waits for running jobs and drops waiting ones', async () => {
    const dispatcher = createDispatcher({ limitFor: () => ({ maxInFlight: 1 }) });
    let finished = 0;
    for (let i = 0; i < 3; i++) {
      dispatcher.submit({ subscriptionId: 's', dueAt: 0, run: async () => void (await tick(20), finished++) });
    }
    dispatcher.submit({ subscriptionId: 't', dueAt: Date.now() + 10_000, run: async () => void finished++ });
    assert.equal(await dispatcher.drain(1_000), true);
    assert.equal(finished, 1, 'only the running job finished');
  });

  it('holds a subscription to its rate, and only that subscription', async () => {
    const started = new Map<string, number[]>();
    const dispatcher = createDispatcher({ limitFor: (id) => ({ maxInFlight: 100, ratePerSecond: id === 'limited' ? 10 : undefined }) });
    const t0 = Date.now();
    for (let i = 0; i < 15; i++) {
      for (const id of ['limited', 'free']) {
        dispatcher.submit({ subscriptionId: id, dueAt: 0, run: async () => void started.set(id, [...(started.get(id) ?? []), Date.now() - t0]) });
      }
    }
    await tick(30);
    assert.equal(started.get('free')?.length, 15, 'the unlimited subscription is not held back');
    assert.equal(started.get('limited')?.length, 10, 'a burst of one second of tokens, then the rate');
    while (dispatcher.pending > 0) await tick(20);
    const last = started.get('limited')!.at(-1)!;
    assert.ok(last >= 450, `5 more at 10/s take ≥ 500 ms; took ${last} ms`);
  });
});
